// Replaces a file in one rename, so a reader (or a restart after a crash) sees the old content or
// the new, never half of it. The temporary name is unique, so two writers never share one.
import { randomBytes } from 'node:crypto';
import { renameSync, rmSync, writeFileSync } from 'node:fs';

export type ReplaceFileOptions = {
  readonly mode: number;
  /** Runs on the written temporary file before the rename (e.g. to set its times). */
  readonly beforeRename?: (temporary: string) => void;
};

export function replaceFile(path: string, content: string | Uint8Array, options: ReplaceFileOptions): void {
  const temporary = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    writeFileSync(temporary, content, { mode: options.mode, flag: 'wx', flush: true });
    options.beforeRename?.(temporary);
    renameSync(temporary, path);
  } catch (error) {
    rmSync(temporary, { force: true });
    throw error;
  }
}
