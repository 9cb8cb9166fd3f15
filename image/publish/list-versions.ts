// vdd-image list: the published versions, newest publish first, with which is current and
// previous, their size on disk, build and publish dates, and whether a signature is present.
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { manifestFileName, maxManifestBytes, signatureFileName } from '../../common/manifest/manifest-signature.ts';
import { manifestSchema } from '../../common/manifest/manifest.ts';
import { currentLinkName, previousLinkName, publishedVersions, readVersionLink, versionDir } from './published-root.ts';

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

export function formatVersionList(versions: readonly ListedVersion[]): string {
  if (versions.length === 0) return 'no versions published\n';
  const lines = versions.map((entry) => {
    const mark = entry.current ? 'current ' : entry.previous ? 'previous' : '        ';
    const size = `${(entry.bytes / 2 ** 20).toFixed(1)} MiB`.padStart(10);
    return `${mark}  ${entry.version.padEnd(20)} ${size}  built ${entry.created ?? '?'}  published ${entry.published}${entry.signed ? '' : '  UNSIGNED'}`;
  });
  return `${lines.join('\n')}\n`;
}
