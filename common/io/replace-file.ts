// Replaces a file in one rename, so a reader (or a restart after a crash) sees the old content or
// the new, never half of it. The temporary name is unique, so two writers never share one, and
// hidden (a dot name beside the file), so a listing of the directory (an HTTP server's) leaves it out.
import { randomBytes } from 'node:crypto';
import { renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

export type ReplaceFileOptions = {
  readonly mode: number;
  /** Runs on the written temporary file before the rename (e.g. to set its times). */
  readonly beforeRename?: (temporary: string) => void;
};

/** Written and flushed to disk before the rename; a caller that needs the rename itself to survive a
 * power cut syncs the directory afterwards (common/io/sync-to-disk.ts). */
export function replaceFile(path: string, content: string | Uint8Array, options: ReplaceFileOptions): void {
  const temporary = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    writeFileSync(temporary, content, { mode: options.mode, flag: 'wx', flush: true });
    options.beforeRename?.(temporary);
    renameSync(temporary, path);
  } catch (error) {
    rmSync(temporary, { force: true });
    throw error;
  }
}
