// Places a version's files under ROOT/versions/ as a whole: hard links (or copies across file
// systems) into a hidden temporary directory, then one rename. Only signed-image files go in.
import { copyFileSync, linkSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { manifestFileName, signatureFileName } from '../../common/manifest/manifest-signature.ts';
import type { Manifest } from '../../common/manifest/manifest.ts';
import { syncToDisk } from '../../common/io/sync-to-disk.ts';
import { versionDir, versionsDirName } from '../../common/publish/published-versions.ts';

/** The signed files of a version: its manifest's artifacts (older versions have fewer), manifest, signature. */
function publishedFiles(manifest: Manifest): string[] {
  return [...Object.keys(manifest.artifacts), manifestFileName, signatureFileName];
}

export type StageMethod = 'linked' | 'copied';

/** Links or copies FROM's files into ROOT/versions/.VERSION.PID.partial and returns that path. */
export function stageFiles(root: string, from: string, manifest: Manifest): { staged: string; method: StageMethod } {
  const staged = join(root, versionsDirName, `.${manifest.version}.${process.pid}.partial`);
  const files = publishedFiles(manifest);
  rmSync(staged, { recursive: true, force: true });
  mkdirSync(staged, { recursive: true, mode: 0o755 });
  let method: StageMethod = 'linked';
  for (const name of files) {
    const source = join(from, name);
    const target = join(staged, name);
    if (method === 'linked') {
      try {
        linkSync(source, target);
        continue;
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code !== 'EXDEV' && code !== 'EPERM' && code !== 'EMLINK') throw new Error(`linking ${source} into ${staged}: ${(error as Error).message}`);
        method = 'copied';
      }
    }
    copyFileSync(source, target);
  }
  // On disk before current can point at it: a power cut of the server must not leave a current
  // version of empty files.
  for (const name of files) syncToDisk(join(staged, name));
  syncToDisk(staged);
  return { staged, method };
}

/** Renames a verified staged directory to ROOT/versions/VERSION. */
export function commitStaged(root: string, staged: string, version: string): void {
  renameSync(staged, versionDir(root, version));
  syncToDisk(join(root, versionsDirName));
}
