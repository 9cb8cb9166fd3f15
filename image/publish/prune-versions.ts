// Keeps the last N published versions (by publish time, the directory's mtime) and always the
// current and previous ones; the rest are renamed out of sight, then removed.
import { renameSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { currentLinkName, previousLinkName, publishedVersions, readVersionLink, versionDir, versionsDirName } from '../../common/publish/published-versions.ts';

export function pruneVersions(root: string, keep: number): string[] {
  const protectedVersions = new Set([readVersionLink(root, currentLinkName), readVersionLink(root, previousLinkName)]);
  const newestFirst = publishedVersions(root)
    .map((version) => ({ version, published: statSync(versionDir(root, version)).mtimeMs }))
    .sort((a, b) => b.published - a.published || b.version.localeCompare(a.version));
  const removed: string[] = [];
  for (const { version } of newestFirst.slice(keep)) {
    if (protectedVersions.has(version)) continue;
    // Out of the served name space at once; clients that still have a file open keep reading it.
    const doomed = join(root, versionsDirName, `.${version}.${process.pid}.removed`);
    renameSync(versionDir(root, version), doomed);
    rmSync(doomed, { recursive: true, force: true });
    removed.push(version);
  }
  return removed;
}
