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
  if (missing.length > 0) throw new Error(missingLibrariesMessage(missing, context.fromRoot));
}

/** What the build says when the trimmed root misses libraries, and where to look. */
export function missingLibrariesMessage(missing: readonly string[], fromRoot: string | undefined): string {
  // A root made elsewhere skips the purge step: its packages are all still there, and removePaths
  // (written for the purged Debian root) then takes libraries they need.
  const check =
    fromRoot === undefined
      ? 'check purgePackages and removePaths in the spec'
      : `--from-root ${fromRoot} is not purged by the build: remove what the image never runs from it first, or check removePaths in the spec`;
  const more = missing.length > 30 ? `\n  ... and ${missing.length - 30} more` : '';
  return `the trimmed root misses libraries (${check}):\n  ${missing.slice(0, 30).join('\n  ')}${more}`;
}
