// mkdir -p without Node's recursive mkdir, which never returns for a path under /proc (each
// mkdir there says ENOENT, so it retries the parent forever). Paths come from config keys.
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

/** Creates path and any missing parents (new ones get mode); throws the first real error. */
export function makeDirectory(path: string, mode = 0o777): void {
  const missing: string[] = [];
  for (let dir = resolve(path); ; dir = dirname(dir)) {
    try {
      mkdirSync(dir, { mode });
      break;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'EEXIST') break;
      if (code !== 'ENOENT' || dirname(dir) === dir || missing.includes(dir)) throw error;
      missing.push(dir);
    }
  }
  // Parents first; a parent that still cannot be made raises its own error here.
  for (const dir of missing.reverse()) {
    try {
      mkdirSync(dir, { mode });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  }
}
