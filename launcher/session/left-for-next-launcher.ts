// What an exec-mode session leaves for the launcher init starts after it (no launcher is left to
// do it): a 0600 JSON file in the session runtime directory (on the PC's RAM disk, so a restart
// forgets it), taken once: read, removed, and checked against its schema.
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { z } from 'zod';
import { makeDirectory } from '../../common/io/make-directory.ts';
import { readBoundedText } from '../../common/io/read-bounded.ts';

const maxBytes = 16 * 1024;

export function leaveForNextLauncher(runtimeDir: string, name: string, value: unknown): void {
  makeDirectory(runtimeDir, 0o700);
  writeFileSync(join(runtimeDir, name), JSON.stringify(value), { mode: 0o600 });
}

/** The value the last launcher left under name, or undefined when there is none; a file that is not one is removed and said in the log. */
export function takeLeftByLastLauncher<Schema extends z.ZodType>(
  runtimeDir: string,
  name: string,
  schema: Schema,
  what: string,
  log: (line: string) => void,
): z.infer<Schema> | undefined {
  const path = join(runtimeDir, name);
  let text: string;
  try {
    text = readBoundedText(path, maxBytes);
  } catch {
    return undefined;
  }
  rmSync(path, { force: true });
  try {
    return schema.parse(JSON.parse(text));
  } catch {
    log(`${path}: not ${what}; removed`);
    return undefined;
  }
}
