// The kernel: vmlinuz out of the root, and the root's module tree cut down to the spec's
// allow-list (with dependencies), indexes rebuilt with depmod.
import { copyFileSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { parseModulesDep, selectModules } from '../plan/modules.ts';
import { rootDir, type BuildContext } from './context.ts';
import { runLogged } from './run-logged.ts';

export function kernelVersion(root: string): string {
  const versions = readdirSync(join(root, 'usr/lib/modules'));
  if (versions.length !== 1) throw new Error(`expected one kernel in the root's /usr/lib/modules, found: ${versions.join(', ') || 'none'}`);
  return versions[0]!;
}

export function copyKernel(context: BuildContext, version: string): void {
  copyFileSync(join(rootDir(context), 'boot', `vmlinuz-${version}`), join(context.outDir, 'vmlinuz'));
}

/** Removes every module the allow-list does not keep; returns how many stayed. */
export async function trimModules(context: BuildContext, version: string): Promise<number> {
  const root = rootDir(context);
  const tree = join(root, 'usr/lib/modules', version);
  const selection = selectModules(parseModulesDep(readFileSync(join(tree, 'modules.dep'), 'utf8')), context.spec.kernel.modules);
  for (const glob of selection.unmatched) context.progress.note(`kernel.modules: ${glob} matches no module (built in, or a typo)`);
  const keep = new Set(selection.modules);
  removeUnlisted(tree, 'kernel', keep);
  await runLogged(context.progress, 'depmod', ['-b', root, version]);
  return keep.size;
}

function removeUnlisted(tree: string, relative: string, keep: ReadonlySet<string>): void {
  for (const entry of readdirSync(join(tree, relative), { withFileTypes: true })) {
    const path = `${relative}/${entry.name}`;
    if (entry.isDirectory()) {
      removeUnlisted(tree, path, keep);
      if (readdirSync(join(tree, path)).length === 0) rmSync(join(tree, path), { recursive: true });
    } else if (!keep.has(path)) rmSync(join(tree, path));
  }
}
