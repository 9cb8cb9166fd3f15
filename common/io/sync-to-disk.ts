// fsync of a file, or of a directory so that a rename in it survives a power cut: used where a
// boot configuration or a published version is switched by rename.
import { closeSync, fsyncSync, openSync } from 'node:fs';

/** File systems that cannot flush a directory (some FAT drivers) make it a no-op. */
export function syncToDisk(path: string): void {
  const fd = openSync(path, 'r');
  try {
    fsyncSync(fd);
  } catch (error) {
    if (!['EINVAL', 'EISDIR', 'EBADF'].includes((error as NodeJS.ErrnoException).code ?? '')) throw error;
  } finally {
    closeSync(fd);
  }
}
