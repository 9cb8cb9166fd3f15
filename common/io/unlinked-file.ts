// Hands a secret to a program without argv, environment or a file left behind: the bytes go into a
// file in a private directory that is unlinked at once, and only the open descriptor is passed on
// (vncviewer -passwd /dev/fd/3 with a scrambled VNC password; virsh update-device /dev/fd/3 with a
// console ticket).
import { randomBytes } from 'node:crypto';
import { closeSync, openSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';

/** An open, already unlinked file holding content; the caller closes the fd after spawning. */
export function unlinkedFile(dir: string, content: Buffer | string): number {
  const path = join(dir, `.vdd-${randomBytes(8).toString('hex')}`);
  const writer = openSync(path, 'wx', 0o600);
  try {
    writeSync(writer, typeof content === 'string' ? Buffer.from(content) : content);
    return openSync(path, 'r');
  } finally {
    closeSync(writer);
    unlinkSync(path);
  }
}
