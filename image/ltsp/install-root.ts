// Installs the LTSP flavour's root as an LTSP chroot, BASE_DIR/NAME, where `ltsp image NAME`
// takes it from: unpacked (unsquashfs, owners and modes kept) under a hidden temporary name in
// BASE_DIR, then renamed into place, so LTSP never sees half a root. An earlier vdd-thin root of
// that name is replaced; anything else there is left alone and refused.
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join } from 'node:path';
import { promisify } from 'node:util';

export class LtspInstallError extends Error {
  override readonly name = 'LtspInstallError';
}

/** LTSP's image names: a directory in BASE_DIR and a menu item in its iPXE script; "images" is LTSP's own. */
export const ltspNamePattern = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/** The file that marks a root as vdd-thin's (the image carries its version there). */
export const vddRootMark = 'etc/vdd/image-version';

export function checkBaseDir(baseDir: string): { exists: boolean } {
  if (!isAbsolute(baseDir)) throw new LtspInstallError(`--base-dir ${baseDir}: expected an absolute path such as /srv/ltsp (LTSP's BASE_DIR)`);
  if (existsSync(baseDir)) {
    if (!statSync(baseDir).isDirectory()) throw new LtspInstallError(`--base-dir ${baseDir} is not a directory`);
    return { exists: true };
  }
  if (!existsSync(dirname(baseDir)))
    throw new LtspInstallError(`--base-dir ${baseDir}: neither it nor ${dirname(baseDir)} exists; LTSP's BASE_DIR is /srv/ltsp unless ltsp.conf sets another`);
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
}): Promise<{ path: string; replaced: boolean }> {
  const { baseDir, name, say } = options;
  checkName(name);
  if (!checkBaseDir(baseDir).exists) {
    mkdirSync(baseDir, { mode: 0o755 });
    say(`made ${baseDir}`);
  }
  const target = join(baseDir, name);
  const replaced = existsSync(target);
  if (replaced && !existsSync(join(target, vddRootMark)))
    throw new LtspInstallError(`${target} exists and is not a vdd-thin root (no /${vddRootMark}): choose another --name, or move it away first`);
  const partial = join(baseDir, `.${name}.vdd-partial-${process.pid}`);
  rmSync(partial, { recursive: true, force: true });
  say(`unpacking ${options.squashfs} into ${partial}`);
  try {
    await promisify(execFile)('unsquashfs', ['-no-progress', '-quiet', '-d', partial, options.squashfs], { maxBuffer: 16 * 1024 * 1024 });
    if (!existsSync(join(partial, vddRootMark))) throw new LtspInstallError(`${options.squashfs} is not a vdd-thin root (no /${vddRootMark})`);
  } catch (error) {
    rmSync(partial, { recursive: true, force: true });
    if (error instanceof LtspInstallError) throw error;
    const failure = error as Error & { code?: string | number; stderr?: string };
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
