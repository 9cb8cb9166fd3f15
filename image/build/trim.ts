// Removes what the running image never uses (spec removePaths), then checks that every program
// and library in the root still finds the libraries it needs.
import { globSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { rootDir, type BuildContext } from './context.ts';
import { missingLibraries } from './elf-libraries.ts';

export function removePaths(context: BuildContext): number {
  const root = rootDir(context);
  let removed = 0;
  for (const glob of context.spec.removePaths) {
    for (const path of globSync(glob.slice(1), { cwd: root })) {
      rmSync(join(root, path), { recursive: true, force: true });
      removed += 1;
    }
  }
  return removed;
}

export async function checkLibraries(context: BuildContext): Promise<void> {
  const missing = await missingLibraries(context.progress, rootDir(context));
  if (missing.length > 0) {
    throw new Error(
      `the trimmed root misses libraries (check purgePackages and removePaths in the spec):\n  ${missing.slice(0, 30).join('\n  ')}${missing.length > 30 ? `\n  ... and ${missing.length - 30} more` : ''}`,
    );
  }
}
