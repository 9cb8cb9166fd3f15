// Which disk image vdd-image flash writes: --image PATH, or vdd-thin.img of the newest built
// version (or --image-version V) under the output root.
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { findImageDir } from '../boot/boot-image.ts';

export function sourceImage(image: string | undefined, outRoot: string, version: string | undefined): { path: string; bytes: number } {
  const path = image ?? join(findImageDir(outRoot, version), 'vdd-thin.img');
  if (!existsSync(path)) throw new Error(`${path} does not exist${image === undefined ? ': build the image first (vdd-image build)' : ''}`);
  const stat = statSync(path);
  if (!stat.isFile()) throw new Error(`${path} is not a regular file; --image takes a disk image file such as vdd-thin.img`);
  if (stat.size === 0 || stat.size % 512 !== 0) throw new Error(`${path} is not a disk image: its size (${stat.size} bytes) is not a whole number of 512-byte sectors`);
  return { path, bytes: stat.size };
}
