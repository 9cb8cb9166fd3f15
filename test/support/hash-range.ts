// The sha256 of the first bytes of a file or block device: how tests check what a flash or an
// update wrote, and that a slot was left untouched.
import { createHash } from 'node:crypto';
import { closeSync, openSync, readSync } from 'node:fs';

export function sha256OfRange(path: string, length: number): string {
  const hash = createHash('sha256');
  const fd = openSync(path, 'r');
  const buffer = Buffer.alloc(4 * 1024 * 1024);
  try {
    for (let position = 0; position < length; ) {
      const read = readSync(fd, buffer, 0, Math.min(buffer.length, length - position), position);
      if (read === 0) break;
      hash.update(buffer.subarray(0, read));
      position += read;
    }
  } finally {
    closeSync(fd);
  }
  return hash.digest('hex');
}
