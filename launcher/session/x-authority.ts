// Writes an X authority file with one fresh MIT-MAGIC-COOKIE-1 for the session's console X
// server and its viewer (what startx does with xauth, without needing xauth).
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';

const familyWild = 0xffff;

/** Creates path (mode 0600, refusing to follow or reuse an existing file) for display. */
export function writeXAuthority(path: string, display: number): void {
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
