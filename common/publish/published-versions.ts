// Reading a published root (what `vdd-image publish` writes and an HTTP server serves):
// versions/<version>/ (whole, never changed once renamed into place), current and previous
// (symlinks switched by rename). `vdd-image list` and the broker's admin page both list it here;
// writing it is image/publish/'s alone.
import { existsSync, lstatSync, readFileSync, readdirSync, readlinkSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { manifestFileName, maxManifestBytes, signatureFileName } from '../manifest/manifest-signature.ts';
import { manifestSchema, versionPattern } from '../manifest/manifest.ts';

export const versionsDirName = 'versions';
export const currentLinkName = 'current';
export const previousLinkName = 'previous';

export function versionDir(root: string, version: string): string {
  return join(root, versionsDirName, version);
}

/** The version a link names, or undefined when there is no such link. */
export function readVersionLink(root: string, name: typeof currentLinkName | typeof previousLinkName): string | undefined {
  let target: string;
  try {
    target = readlinkSync(join(root, name));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new Error(`${join(root, name)}: ${(error as Error).message}`, { cause: error });
  }
  const match = /^versions\/([^/]+)$/.exec(target);
  if (!match?.[1] || !versionPattern.test(match[1]))
    throw new Error(`${join(root, name)} points at "${target}", not at versions/<version>; fix or remove it by hand`);
  return match[1];
}

/** Names of the complete version directories (temporary ones start with a dot). */
export function publishedVersions(root: string): string[] {
  try {
    return readdirSync(join(root, versionsDirName)).filter((name) => versionPattern.test(name) && lstatSync(versionDir(root, name)).isDirectory());
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
}

export interface ListedVersion {
  version: string;
  current: boolean;
  previous: boolean;
  bytes: number;
  /** From the manifest (not verified here: vdd-image verify does that); null when unreadable. */
  created: string | null;
  published: string;
  signed: boolean;
}

function createdDate(dir: string): string | null {
  try {
    const path = join(dir, manifestFileName);
    if (statSync(path).size > maxManifestBytes) return null;
    const parsed = manifestSchema.safeParse(JSON.parse(readFileSync(path, 'utf8')));
    return parsed.success ? parsed.data.created : null;
  } catch {
    return null;
  }
}

/** The published versions, newest publish first, with which is current and previous. */
export function listVersions(root: string): ListedVersion[] {
  const current = readVersionLink(root, currentLinkName);
  const previous = readVersionLink(root, previousLinkName);
  return publishedVersions(root)
    .map((version) => {
      const dir = versionDir(root, version);
      const bytes = readdirSync(dir).reduce((sum, name) => sum + statSync(join(dir, name)).size, 0);
      return {
        version,
        current: version === current,
        previous: version === previous,
        bytes,
        created: createdDate(dir),
        published: statSync(dir).mtime.toISOString(),
        signed: existsSync(join(dir, signatureFileName)),
      };
    })
    .sort((a, b) => b.published.localeCompare(a.published));
}
