// root.squashfs from the root tree: the release compression, or the fast one for test builds.
import { join } from 'node:path';
import type { Compression } from '../spec/schema.ts';
import { rootDir, type BuildContext } from './context.ts';
import { runLogged } from './run-logged.ts';

export function mksquashfsArgs(root: string, output: string, compression: Compression, blockSizeKiB: number, level?: number): string[] {
  const options: Record<Compression, string[]> = {
    // The x86 branch filter shrinks programs (the launcher is a large executable).
    xz: ['-comp', 'xz', '-Xbcj', 'x86'],
    zstd: ['-comp', 'zstd', '-Xcompression-level', String(level ?? 6)],
    gzip: ['-comp', 'gzip', ...(level === undefined ? [] : ['-Xcompression-level', String(level)])],
  };
  return [root, output, '-noappend', '-no-xattrs', '-quiet', '-no-progress', '-b', `${blockSizeKiB}K`, ...options[compression]];
}

export async function makeSquashfs(context: BuildContext): Promise<Compression> {
  const { squashfs } = context.spec;
  const [compression, level] = context.fast ? [squashfs.fastCompression, undefined] : [squashfs.compression, squashfs.level];
  await runLogged(
    context.progress,
    'mksquashfs',
    mksquashfsArgs(rootDir(context), join(context.outDir, 'root.squashfs'), compression, squashfs.blockSizeKiB, level),
  );
  return compression;
}
