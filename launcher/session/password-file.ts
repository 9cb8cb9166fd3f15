// Hands a VNC password to vncviewer without argv, environment or a file left on disk: the
// scrambled password (vncpasswd format) goes into a file that is unlinked at once, and only the
// open descriptor is passed on (vncviewer -passwd /dev/fd/3).
import { randomBytes } from 'node:crypto';
import { closeSync, openSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';

/** An open, already unlinked file holding the 8 scrambled bytes; the caller closes the fd after spawning. */
export function unlinkedPasswordFile(dir: string, scrambled: Buffer): number {
  const path = join(dir, `.vnc-${randomBytes(8).toString('hex')}`);
  const writer = openSync(path, 'wx', 0o600);
  try {
    writeSync(writer, scrambled);
    return openSync(path, 'r');
  } finally {
    closeSync(writer);
    unlinkSync(path);
  }
}
