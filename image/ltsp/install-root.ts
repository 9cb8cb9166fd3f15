// Installs the LTSP flavour's root as an LTSP chroot, BASE_DIR/NAME, where `ltsp image NAME`
// takes it from: unpacked (unsquashfs, owners and modes kept) under a hidden temporary name in
// BASE_DIR, then renamed into place, so LTSP never sees half a root. An earlier vdd-thin root of
// that name is replaced; anything else there is left alone and refused. Temporary names left by
// a run that was killed (its PID gone) are removed by the next; an interrupted run removes its own.
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join } from 'node:path';
import { promisify } from 'node:util';
import { processAlive } from '../../common/system/process-alive.ts';

export class LtspInstallError extends Error {
  override readonly name = 'LtspInstallError';
}

/** The install was stopped by a signal (the AbortSignal, or unsquashfs killed by one); nothing half-unpacked is left. */
export class LtspInterrupted extends Error {
  override readonly name = 'LtspInterrupted';
}

/**
 * Clears BASE_DIR/.NAME.vdd-partial-PID and .NAME.vdd-old-PID of runs whose PID is gone: a partial
 * root is removed; an old root is removed too, unless the run died between its two renames and
 * BASE_DIR/NAME is missing, when it is put back. Returns what it did, for the log.
 */
export function removeStaleTemporaries(baseDir: string, name: string): string[] {
  if (!existsSync(baseDir)) return [];
  const prefix = `.${name}.vdd-`;
  const done: string[] = [];
  for (const entry of readdirSync(baseDir)) {
    if (!entry.startsWith(prefix)) continue;
    const match = /^(partial|old)-([0-9]{1,10})$/.exec(entry.slice(prefix.length));
    if (match === null) continue;
    const pid = Number(match[2]);
    if (pid !== process.pid && processAlive(pid)) continue;
    const path = join(baseDir, entry);
    if (match[1] === 'old' && !existsSync(join(baseDir, name))) {
      renameSync(path, join(baseDir, name));
      done.push(`put back ${join(baseDir, name)} from ${path}, left by an earlier run that was stopped`);
      continue;
    }
    rmSync(path, { recursive: true, force: true });
    done.push(`removed ${path}, left by an earlier run that was stopped`);
  }
  return done;
}

/** The other images LTSP's iPXE menu offers (its list_img_names): BASE_DIR/images/*.img, BASE_DIR/*.img and chroots BASE_DIR/X with /proc. */
export function otherLtspImages(baseDir: string, name: string): string[] {
  if (!existsSync(baseDir)) return [];
  const names = new Set<string>();
  const images = join(baseDir, 'images');
  if (existsSync(images) && statSync(images).isDirectory())
    for (const entry of readdirSync(images)) if (entry.endsWith('.img') && statSync(join(images, entry)).isFile()) names.add(entry.slice(0, -4));
  for (const entry of readdirSync(baseDir)) {
    if (entry.startsWith('.')) continue;
    const path = join(baseDir, entry);
    if (entry.endsWith('.img') && statSync(path).isFile()) names.add(entry.slice(0, -4));
    else if (existsSync(join(path, 'proc')) && statSync(join(path, 'proc')).isDirectory()) names.add(entry);
  }
  names.delete(name);
  return [...names].sort();
}

/** LTSP's image names: a directory in BASE_DIR and a menu item in its iPXE script; "images" is LTSP's own. */
export const ltspNamePattern = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/** The file that marks a root as vdd-thin's (the image carries its version there). */
export const vddRootMark = 'etc/vdd/image-version';

export function checkBaseDir(baseDir: string): { exists: boolean } {
  if (!isAbsolute(baseDir)) throw new LtspInstallError(`--base-dir ${baseDir}: expected an absolute path such as /srv/ltsp (LTSP's BASE_DIR)`);
  const hint = "give --base-dir LTSP's BASE_DIR (/srv/ltsp unless ltsp.conf [server] sets another)";
  if (existsSync(baseDir)) {
    if (!statSync(baseDir).isDirectory()) throw new LtspInstallError(`--base-dir ${baseDir} is not a directory: ${hint}; nothing was installed`);
    return { exists: true };
  }
  // Made by the install, one level only: a missing parent is more likely a typo than a new tree.
  const parent = dirname(baseDir);
  if (!existsSync(parent))
    throw new LtspInstallError(`--base-dir ${baseDir}: neither it nor ${parent} exists: ${hint}, or make ${parent} first; nothing was installed`);
  if (!statSync(parent).isDirectory()) throw new LtspInstallError(`--base-dir ${baseDir}: ${parent} is not a directory: ${hint}; nothing was installed`);
  return { exists: false };
}

export function checkName(name: string): void {
  if (!ltspNamePattern.test(name) || name === 'images')
    throw new LtspInstallError(`--name ${name}: expected an LTSP image name (letters, digits, ".", "_", "-"; not "images", LTSP's own directory)`);
}

export async function installRoot(options: {
  squashfs: string;
  baseDir: string;
  name: string;
  say: (line: string) => void;
  /** Aborting kills unsquashfs, removes the partial root and rejects with LtspInterrupted. */
  signal?: AbortSignal;
}): Promise<{ path: string; replaced: boolean }> {
  const { baseDir, name, say } = options;
  checkName(name);
  if (!checkBaseDir(baseDir).exists) {
    mkdirSync(baseDir, { mode: 0o755 });
    say(`made ${baseDir}`);
  }
  for (const line of removeStaleTemporaries(baseDir, name)) say(line);
  const target = join(baseDir, name);
  const replaced = existsSync(target);
  if (replaced && !existsSync(join(target, vddRootMark)))
    throw new LtspInstallError(`${target} exists and is not a vdd-thin root (no /${vddRootMark}): choose another --name, or move it away first`);
  const partial = join(baseDir, `.${name}.vdd-partial-${process.pid}`);
  say(`unpacking ${options.squashfs} into ${partial}`);
  try {
    options.signal?.throwIfAborted();
    await promisify(execFile)('unsquashfs', ['-no-progress', '-quiet', '-d', partial, options.squashfs], {
      maxBuffer: 16 * 1024 * 1024,
      ...(options.signal === undefined ? {} : { signal: options.signal }),
    });
    if (!existsSync(join(partial, vddRootMark))) throw new LtspInstallError(`${options.squashfs} is not a vdd-thin root (no /${vddRootMark})`);
  } catch (error) {
    // execFile settles once unsquashfs has exited: nothing writes into the partial root any more.
    rmSync(partial, { recursive: true, force: true });
    if (error instanceof LtspInstallError) throw error;
    const failure = error as Error & { code?: string | number; stderr?: string; signal?: string | null };
    if (options.signal?.aborted || failure.signal === 'SIGINT' || failure.signal === 'SIGTERM')
      throw new LtspInterrupted(`interrupted while unpacking ${options.squashfs}; removed ${partial}, nothing was installed`);
    throw new LtspInstallError(
      failure.code === 'ENOENT'
        ? 'unsquashfs is not installed (Debian package squashfs-tools)'
        : `unsquashfs ${options.squashfs} failed (${failure.code}): ${(failure.stderr ?? failure.message).trim().split('\n').slice(-3).join('; ')}`,
      { cause: error },
    );
  }
  const old = join(baseDir, `.${name}.vdd-old-${process.pid}`);
  if (replaced) renameSync(target, old);
  renameSync(partial, target);
  if (replaced) rmSync(old, { recursive: true, force: true });
  say(`${replaced ? 'replaced' : 'installed'} ${target}`);
  return { path: target, replaced };
}
