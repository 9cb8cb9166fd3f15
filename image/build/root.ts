// The root tree: Debian packages (mmdebstrap), packages purged after installation, then the
// overlays, single files, templates, users and host name from the spec.
import { createHash } from 'node:crypto';
import { appendFileSync, chmodSync, chownSync, cpSync, existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { bootKinds } from '../../common/manifest/manifest.ts';
import { mmdebstrapArgs } from '../plan/debian-root.ts';
import type { ImageSpec } from '../spec/schema.ts';
import { rootDir, type BuildContext } from './context.ts';
import { runLogged } from './run-logged.ts';

/** What the installed packages depend on: the same key means the same tree (until the mirror changes). */
export function rootCacheKey(spec: ImageSpec): string {
  const { debian, packages, excludePaths, includePaths } = spec;
  return createHash('sha256').update(JSON.stringify({ debian, packages, excludePaths, includePaths })).digest('hex').slice(0, 16);
}

/**
 * mmdebstrap, or with `incremental` a copy of the tree an earlier build installed from the same
 * packages (mkosi's Incremental=): seconds instead of minutes, but no newer packages from the mirror.
 */
export async function makeDebianRoot(context: BuildContext, incremental: boolean): Promise<{ cachedPackages: number; reusedRoot: boolean }> {
  const root = rootDir(context);
  rmSync(root, { recursive: true, force: true });
  mkdirSync(context.packageCache, { recursive: true });
  const cachedPackages = readdirSync(context.packageCache).filter((name) => name.endsWith('.deb')).length;
  const saved = join(context.rootCache, `${context.spec.boot}-${rootCacheKey(context.spec)}`);
  if (incremental && existsSync(saved)) {
    context.progress.note(`reusing the installed tree ${saved} (incremental build)`);
    await runLogged(context.progress, 'cp', ['-a', '--', saved, root]);
    return { cachedPackages, reusedRoot: true };
  }
  context.progress.note(`${cachedPackages} packages in the cache ${context.packageCache}`);
  await runLogged(context.progress, 'mmdebstrap', mmdebstrapArgs(context.spec, { root, packageCache: context.packageCache }));
  if (incremental) {
    // One saved tree at a time per boot kind (each is hundreds of megabytes), so building both
    // flavours in turn does not install each from scratch every time.
    mkdirSync(context.rootCache, { recursive: true });
    const otherKinds = bootKinds.filter((kind) => kind !== context.spec.boot);
    for (const name of readdirSync(context.rootCache)) {
      if (!otherKinds.some((kind) => name.startsWith(`${kind}-`))) rmSync(join(context.rootCache, name), { recursive: true, force: true });
    }
    await runLogged(context.progress, 'cp', ['-a', '--', root, `${saved}.partial`]);
    renameSync(`${saved}.partial`, saved);
  }
  return { cachedPackages, reusedRoot: false };
}

/** Copies a root made elsewhere (a Gentoo build host, a hand-made tree). */
export async function copyRoot(context: BuildContext, from: string): Promise<void> {
  const root = rootDir(context);
  rmSync(root, { recursive: true, force: true });
  await runLogged(context.progress, 'cp', ['-a', '--', resolve(from), root]);
}

export async function purgePackages(context: BuildContext): Promise<void> {
  const root = rootDir(context);
  const installed = new Set(
    (await runLogged(context.progress, 'chroot', [root, 'dpkg-query', '-W', '-f', '${Package}\n'], { captureStdout: true })).split('\n'),
  );
  const purge = context.spec.purgePackages.filter((name) => installed.has(name));
  if (purge.length === 0) return;
  context.progress.note(`purging ${purge.length} packages: ${purge.join(' ')}`);
  await runLogged(context.progress, 'chroot', [root, 'dpkg', '--purge', '--force-depends', '--force-remove-essential', ...purge]);
}

export function customizeRoot(context: BuildContext): void {
  const { spec, baseDir } = context;
  const root = rootDir(context);
  for (const overlay of spec.overlays) {
    const source = join(baseDir, overlay);
    if (!existsSync(source)) throw new Error(`overlay ${source} (spec overlays) does not exist`);
    cpSync(source, root, { recursive: true, verbatimSymlinks: true, force: true });
  }
  for (const file of spec.files) {
    const source = join(baseDir, file.source);
    if (!existsSync(source))
      throw new Error(`${source} (spec files, for ${file.target}) does not exist${file.source.includes('dist/') ? '; run npm run build first' : ''}`);
    const target = join(root, file.target);
    mkdirSync(join(target, '..'), { recursive: true });
    cpSync(source, target);
    chmodSync(target, Number.parseInt(file.mode, 8));
  }
  for (const path of spec.templates) {
    const target = join(root, path);
    if (!existsSync(target)) throw new Error(`template ${path} is in no overlay`);
    writeFileSync(target, readFileSync(target, 'utf8').replaceAll('{{version}}', context.version).replaceAll('{{name}}', spec.name));
  }
  writeFileSync(join(root, 'etc/hostname'), `${spec.hostname}\n`);
  writeFileSync(join(root, 'etc/hosts'), `127.0.0.1\tlocalhost\n127.0.1.1\t${spec.hostname}\n::1\tlocalhost ip6-localhost ip6-loopback\n`);
  addUsers(context);
}

function addUsers(context: BuildContext): void {
  const root = rootDir(context);
  const groupFile = join(root, 'etc/group');
  for (const user of context.spec.users) {
    const passwd = readFileSync(join(root, 'etc/passwd'), 'utf8');
    if (passwd.split('\n').some((line) => line.startsWith(`${user.name}:`))) throw new Error(`user ${user.name} already exists in the root`);
    const owner = passwd.split('\n').find((line) => line.split(':')[2] === String(user.uid));
    if (owner !== undefined) throw new Error(`user ${user.name}: uid ${user.uid} belongs to ${owner.split(':')[0]} in the root; choose another in the spec`);
    appendFileSync(join(root, 'etc/passwd'), `${user.name}:x:${user.uid}:${user.uid}::${user.home}:${user.shell}\n`);
    appendFileSync(join(root, 'etc/shadow'), `${user.name}:!:1::::::\n`);
    appendFileSync(groupFile, `${user.name}:x:${user.uid}:\n`);
    appendFileSync(join(root, 'etc/gshadow'), `${user.name}:!::\n`);
    const lines = readFileSync(groupFile, 'utf8').split('\n');
    for (const group of user.groups) {
      const index = lines.findIndex((line) => line.startsWith(`${group}:`));
      if (index === -1) throw new Error(`user ${user.name}: group ${group} does not exist in the root`);
      const line = lines[index] ?? '';
      lines[index] = `${line}${line.endsWith(':') ? '' : ','}${user.name}`;
    }
    writeFileSync(groupFile, lines.join('\n'));
    const home = join(root, user.home);
    mkdirSync(home, { recursive: true });
    chownSync(home, user.uid, user.uid);
    chmodSync(home, 0o750);
  }
}
