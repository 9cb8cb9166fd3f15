// vdd-image publish: verifies a signed version, places it under ROOT/versions/ as a whole,
// makes it current (the old current becomes previous) and keeps the last N versions.
import type { KeyObject } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, utimesSync } from 'node:fs';
import { join } from 'node:path';
import { manifestFileName } from '../../common/manifest/manifest-signature.ts';
import { verifyVersionDirectory, type VersionCheck } from '../sign/verify-version.ts';
import { withPublishLock } from './publish-lock.ts';
import { makeCurrent, switchLink } from './published-root.ts';
import { currentLinkName, previousLinkName, readVersionLink, versionDir, versionsDirName } from '../../common/publish/published-versions.ts';
import { pruneVersions } from './prune-versions.ts';
import { commitStaged, stageFiles } from './stage-version.ts';

export interface PublishOptions {
  root: string;
  /** The version directory to publish (e.g. dist/image/1.2.0). */
  from: string;
  publicKey: KeyObject;
  keep: number;
  /** Progress lines (stderr in the CLI). */
  say: (line: string) => void;
}

export interface PublishResult {
  version: string;
  current: string;
  previous: string | undefined;
  /** How the files got there: 'copied', or 'already-published' when versions/VERSION existed with the same manifest. */
  placed: 'copied' | 'already-published';
  removed: string[];
}

/** Throws with one line per problem when the directory does not verify. */
export function requireVerified(check: VersionCheck, action: string): NonNullable<VersionCheck['manifest']> {
  if (check.problems.length > 0 || check.manifest === undefined) {
    throw new Error(`refusing to ${action} ${check.dir} (key ${check.fingerprint}):\n${check.problems.map((problem) => `  ${problem.message}`).join('\n')}`);
  }
  return check.manifest;
}

export function publishVersion(options: PublishOptions): Promise<PublishResult> {
  const { root, from, publicKey, say } = options;
  mkdirSync(join(root, versionsDirName), { recursive: true });
  return withPublishLock(root, async () => {
    say(`verifying ${from}`);
    const manifest = requireVerified(await verifyVersionDirectory(from, publicKey), 'publish');
    const { version } = manifest;
    if (manifest.boot === 'ltsp')
      throw new Error(`refusing to publish ${from}: version ${version} is the LTSP flavour, which LTSP's server boots; install it there with vdd-image ltsp`);
    const target = versionDir(root, version);
    let placed: PublishResult['placed'];
    if (existsSync(target)) {
      if (!readFileSync(join(target, manifestFileName)).equals(readFileSync(join(from, manifestFileName)))) {
        throw new Error(
          `${target} already holds another build of version ${version}; publish the new build under a new version (vdd-image build --image-version)`,
        );
      }
      say(`version ${version} is already published; checking it`);
      requireVerified(await verifyVersionDirectory(target, publicKey), 'switch to');
      placed = 'already-published';
    } else {
      const staged = stageFiles(root, from, manifest);
      try {
        say(`copied into ${staged}; verifying the published copy`);
        requireVerified(await verifyVersionDirectory(staged, publicKey), 'publish');
        commitStaged(root, staged, version);
      } catch (error) {
        rmSync(staged, { recursive: true, force: true });
        throw error;
      }
      placed = 'copied';
    }
    // The publish time orders versions for --keep, also when an older version is published again.
    const now = new Date();
    utimesSync(target, now, now);
    const before = readVersionLink(root, currentLinkName);
    if (before !== undefined && before !== version) switchLink(root, previousLinkName, before);
    makeCurrent(root, version);
    say(`current -> versions/${version}${before !== undefined && before !== version ? ` (previous: ${before})` : ''}`);
    const removed = pruneVersions(root, options.keep);
    if (removed.length > 0) say(`removed ${removed.join(', ')} (keeping ${options.keep})`);
    return { version, current: version, previous: readVersionLink(root, previousLinkName), placed, removed };
  });
}
