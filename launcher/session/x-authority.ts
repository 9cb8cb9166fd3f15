// The session's private files: an X authority file with one fresh MIT-MAGIC-COOKIE-1 for the
// console X server and its viewer (what startx does with xauth, without needing xauth), made
// the same way for a supervised session and for exec mode.
import { randomBytes } from 'node:crypto';
import { rmSync, writeFileSync } from 'node:fs';
import { makeDirectory } from '../../common/io/make-directory.ts';
import type { SessionPlan } from './session-plan.ts';

const familyWild = 0xffff;

/** Makes runtimeDir (0700) and the plan's files, each fresh: a file left by an earlier session is replaced. */
export function createSessionFiles(plan: SessionPlan, runtimeDir: string): void {
  makeDirectory(runtimeDir, 0o700);
  for (const file of plan.files) {
    rmSync(file.path, { force: true });
    writeXAuthority(file.path, typeof plan.display === 'number' ? plan.display : 0);
  }
}

export function removeSessionFiles(plan: SessionPlan): void {
  for (const file of plan.files) rmSync(file.path, { force: true });
}

/** Creates path (mode 0600, refusing to follow or reuse an existing file) for display. */
function writeXAuthority(path: string, display: number): void {
  const cookie = randomBytes(16);
  const field = (bytes: Buffer) => {
    const length = Buffer.alloc(2);
    length.writeUInt16BE(bytes.length);
    return Buffer.concat([length, bytes]);
  };
  const family = Buffer.alloc(2);
  family.writeUInt16BE(familyWild);
  const entry = Buffer.concat([family, field(Buffer.alloc(0)), field(Buffer.from(String(display))), field(Buffer.from('MIT-MAGIC-COOKIE-1')), field(cookie)]);
  writeFileSync(path, entry, { mode: 0o600, flag: 'wx' });
  cookie.fill(0);
}
