// Which disk image vdd-image flash writes: --image PATH, or vdd-thin.img of the newest built
// version (or --image-version V) under the output root; and, when the image sits in a version
// directory, the size and sha256 its manifest.json records for it.
import { existsSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { ReadError, readBoundedText } from '../../common/io/read-bounded.ts';
import { maxManifestBytes } from '../../common/manifest/manifest-signature.ts';
import { findImageDir } from '../boot/boot-image.ts';
import { manifestSchema } from '../../common/manifest/manifest.ts';

export type SourceImage = { readonly path: string; readonly bytes: number; readonly manifestSha256: string | undefined };

export function sourceImage(image: string | undefined, outRoot: string, version: string | undefined): SourceImage {
  const path = image ?? join(findImageDir(outRoot, version), 'vdd-thin.img');
  if (!existsSync(path)) throw new Error(`${path} does not exist${image === undefined ? ': build the image first (vdd-image build)' : ''}`);
  const stat = statSync(path);
  if (!stat.isFile()) throw new Error(`${path} is not a regular file; --image takes a disk image file such as vdd-thin.img`);
  if (stat.size === 0 || stat.size % 512 !== 0)
    throw new Error(`${path} is not a disk image: its size (${stat.size} bytes) is not a whole number of 512-byte sectors`);
  const recorded = manifestEntry(path);
  if (recorded !== undefined && recorded.size !== stat.size) {
    throw new Error(
      `${path} is ${stat.size} bytes but its manifest.json says ${recorded.size}: the image is damaged or from another build; rebuild or fetch it again`,
    );
  }
  return { path, bytes: stat.size, manifestSha256: recorded?.sha256 };
}

/** The manifest's entry for vdd-thin.img in the same directory; undefined for an image outside a version directory. */
function manifestEntry(path: string): { sha256: string; size: number } | undefined {
  if (basename(path) !== 'vdd-thin.img') return undefined;
  const manifestPath = join(dirname(path), 'manifest.json');
  let text: string;
  try {
    text = readBoundedText(manifestPath, maxManifestBytes);
  } catch (error) {
    if (error instanceof ReadError && error.code === 'ENOENT') return undefined;
    throw new Error(`${manifestPath}: cannot read: ${(error as Error).message}`, { cause: error });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new Error(`${manifestPath}: not valid JSON`, { cause: error });
  }
  const parsed = manifestSchema.safeParse(json);
  if (!parsed.success) throw new Error(`${manifestPath}: not a valid manifest: ${parsed.error.issues[0]?.path.join('.')}: ${parsed.error.issues[0]?.message}`);
  return parsed.data.artifacts['vdd-thin.img'];
}
