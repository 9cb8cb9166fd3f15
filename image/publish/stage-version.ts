// Places a version's files under ROOT/versions/ as a whole: copies into a hidden temporary
// directory, then one rename. Only signed-image files go in. Copies, never hard links: a link
// would share the build's inode, so a later write in place in the build directory would change
// the published version under the clients' feet. Where the file system can (btrfs, XFS) the copy
// is a reflink, which shares blocks until either side is written and costs no space or time.
import { constants, copyFileSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { manifestFileName, signatureFileName } from '../../common/manifest/manifest-signature.ts';
import type { Manifest } from '../../common/manifest/manifest.ts';
import { syncToDisk } from '../../common/io/sync-to-disk.ts';
import { versionDir, versionsDirName } from '../../common/publish/published-versions.ts';

/** The signed files of a version: its manifest's artifacts (older versions have fewer), manifest, signature. */
function publishedFiles(manifest: Manifest): string[] {
  return [...Object.keys(manifest.artifacts), manifestFileName, signatureFileName];
}

/** Copies FROM's files into ROOT/versions/.VERSION.PID.partial and returns that path. */
export function stageFiles(root: string, from: string, manifest: Manifest): string {
  const staged = join(root, versionsDirName, `.${manifest.version}.${process.pid}.partial`);
  const files = publishedFiles(manifest);
  rmSync(staged, { recursive: true, force: true });
  mkdirSync(staged, { recursive: true, mode: 0o755 });
  for (const name of files) copyFileSync(join(from, name), join(staged, name), constants.COPYFILE_FICLONE);
  // On disk before current can point at it: a power cut of the server must not leave a current
  // version of empty files.
  for (const name of files) syncToDisk(join(staged, name));
  syncToDisk(staged);
  return staged;
}

/** Renames a verified staged directory to ROOT/versions/VERSION. */
export function commitStaged(root: string, staged: string, version: string): void {
  renameSync(staged, versionDir(root, version));
  syncToDisk(join(root, versionsDirName));
}
