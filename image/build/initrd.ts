// The initrd: static busybox from the root, the init script, and the network and storage modules
// the spec lists; a newc cpio, compressed. Beside it nbd.img: the NBD client and its libraries,
// which the initrd fetches only when it attaches the root over NBD (a gzip cpio: busybox unpacks it
// fast).
import { chmodSync, copyFileSync, mkdirSync, readFileSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseModulesDep, selectModules } from '../plan/modules.ts';
import type { Compression } from '../spec/schema.ts';
import { rootDir, type BuildContext } from './context.ts';
import { dynamicLoader, libraryClosure } from './elf-libraries.ts';
import { runLogged } from './run-logged.ts';
import { walkTree } from './walk-tree.ts';

const initrdSources = fileURLToPath(new URL('../initrd/', import.meta.url));

export async function makeInitrd(context: BuildContext, version: string): Promise<void> {
  const root = rootDir(context);
  const tree = emptyTree(context, 'initrd');
  mkdirSync(join(tree, 'bin'), { recursive: true });
  copyInto(root, tree, 'usr/bin/busybox', 'bin/busybox');
  copyInto(initrdSources, tree, 'init', 'init');
  copyInto(initrdSources, tree, 'udhcpc.script', 'etc/udhcpc.script');
  copyInto(initrdSources, tree, 'trial.sh', 'etc/trial.sh');
  for (const dir of ['lib', 'lib64', 'sbin']) mkdirSync(join(tree, 'usr', dir), { recursive: true });
  symlinkSync('usr/lib', join(tree, 'lib'));
  symlinkSync('usr/lib64', join(tree, 'lib64'));

  const modules = join('usr/lib/modules', version);
  const selection = selectModules(parseModulesDep(readFileSync(join(root, modules, 'modules.dep'), 'utf8')), context.spec.kernel.initrdModules);
  for (const glob of selection.unmatched) context.progress.note(`kernel.initrdModules: ${glob} matches no module kept in the root`);
  for (const module of selection.modules) copyInto(root, tree, join(modules, module), join(modules, module));
  for (const index of ['modules.order', 'modules.builtin', 'modules.builtin.modinfo']) copyInto(root, tree, join(modules, index), join(modules, index));
  await runLogged(context.progress, 'depmod', ['-b', tree, version]);
  context.progress.note(`${selection.modules.length} modules`);
  await compress(context, context.spec.initrd.compression, await archiveTree(context, tree), join(context.outDir, 'initrd.img'));

  // Paths as in the initrd, which has /lib and /lib64 as links into /usr, so the archive unpacks over it.
  const nbd = emptyTree(context, 'nbd');
  const programs = context.spec.initrd.nbdPrograms.map((path) => path.slice(1));
  const libraries = await libraryClosure(context.progress, root, programs);
  for (const file of [...programs, ...libraries, dynamicLoader]) copyInto(root, nbd, file, file);
  context.progress.note(`nbd.img: ${programs.join(' ')} and ${libraries.length} libraries`);
  await compress(context, 'gzip', await archiveTree(context, nbd), join(context.outDir, 'nbd.img'));
}

function emptyTree(context: BuildContext, name: string): string {
  const tree = join(context.workDir, name);
  rmSync(tree, { recursive: true, force: true });
  mkdirSync(tree, { recursive: true });
  return tree;
}

async function archiveTree(context: BuildContext, tree: string): Promise<string> {
  const archive = `${tree}.cpio`;
  const files = listTree(tree).join('\n');
  await runLogged(context.progress, 'cpio', ['--quiet', '-o', '-H', 'newc', '-R', '0:0'], { cwd: tree, input: `${files}\n`, stdoutFile: archive });
  return archive;
}

function copyInto(fromRoot: string, toRoot: string, from: string, to: string): void {
  mkdirSync(dirname(join(toRoot, to)), { recursive: true });
  copyFileSync(join(fromRoot, from), join(toRoot, to));
  chmodSync(join(toRoot, to), statSync(join(fromRoot, from)).mode & 0o7777);
}

function listTree(tree: string): string[] {
  return walkTree(tree)
    .map((item) => item.relative)
    .sort();
}

/** The kernel unpacks xz (crc32 only), zstd and gzip initrds. */
async function compress(context: BuildContext, method: Compression, input: string, output: string): Promise<void> {
  const args: Record<Compression, [string, string[]]> = {
    xz: ['xz', ['--check=crc32', '-9', '-T0', '-c', input]],
    zstd: ['zstd', ['-19', '-T0', '-q', '-c', input]],
    gzip: ['gzip', ['-9', '-n', '-c', input]],
  };
  const [command, argv] = args[method];
  await runLogged(context.progress, command, argv, { stdoutFile: output });
}
