// vdd-image rollback: makes the previous version (or --to VERSION) current again after checking
// it still verifies; the version it replaces becomes previous, so a second rollback undoes it.
import type { KeyObject } from 'node:crypto';
import { existsSync } from 'node:fs';
import { versionPattern } from '../../common/manifest/manifest.ts';
import { verifyVersionDirectory } from '../sign/verify-version.ts';
import { withPublishLock } from './publish-lock.ts';
import { requireVerified } from './publish-version.ts';
import { makeCurrent, switchLink } from './published-root.ts';
import { currentLinkName, previousLinkName, publishedVersions, readVersionLink, versionDir } from '../../common/publish/published-versions.ts';

export interface RollbackResult {
  current: string;
  previous: string | undefined;
}

export function rollbackVersion(root: string, publicKey: KeyObject, to: string | undefined): Promise<RollbackResult> {
  return withPublishLock(root, async () => {
    const current = readVersionLink(root, currentLinkName);
    if (current === undefined) throw new Error(`${root}: nothing is published here (no ${currentLinkName} link)`);
    const target = to ?? readVersionLink(root, previousLinkName);
    if (target === undefined)
      throw new Error(`${root}: no previous version to roll back to; name one with --to (published: ${publishedVersions(root).join(', ')})`);
    if (!versionPattern.test(target) || !existsSync(versionDir(root, target))) {
      throw new Error(`${root}: version "${target}" is not published here (published: ${publishedVersions(root).join(', ')})`);
    }
    if (target === current) throw new Error(`${root}: ${target} is already current`);
    requireVerified(await verifyVersionDirectory(versionDir(root, target), publicKey), 'roll back to');
    switchLink(root, previousLinkName, current);
    makeCurrent(root, target);
    return { current: target, previous: current };
  });
}
