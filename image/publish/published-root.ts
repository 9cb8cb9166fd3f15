// Writing the published root an HTTP server serves: current and previous (symlinks switched by
// rename) and vdd.ipxe (names the current version); common/publish/published-versions.ts reads
// it. Every switch is a rename, so a reader never sees it half-done.
import { renameSync, rmSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { replaceFile } from '../../common/io/replace-file.ts';
import { syncToDisk } from '../../common/io/sync-to-disk.ts';
import { currentLinkName, type previousLinkName, versionsDirName } from '../../common/publish/published-versions.ts';

export const rootScriptName = 'vdd.ipxe';

function temporaryName(root: string, name: string): string {
  return join(root, `.${name}.${process.pid}.tmp`);
}

/** Points ROOT/NAME at versions/VERSION: a new symlink under a temporary name renamed over the old. */
export function switchLink(root: string, name: typeof currentLinkName | typeof previousLinkName, version: string): void {
  const temporary = temporaryName(root, name);
  rmSync(temporary, { force: true });
  symlinkSync(`${versionsDirName}/${version}`, temporary);
  renameSync(temporary, join(root, name));
}

/**
 * The script clients chain (http://SERVER/PATH/vdd.ipxe). It names the version instead of
 * current/, so kernel, initrd and root of one boot all come from the same version even when a
 * publish lands in the middle of it. A site sets ${vdd-root} to the URL of ROOT before chaining.
 */
export function rootScript(version: string): string {
  return [
    '#!ipxe',
    `# Published by vdd-image: the current version is ${version}. Rewritten (by rename) on every publish and rollback.`,
    'isset ${vdd-root} || set vdd-root http://${next-server}/vdd/',
    `set vdd-base \${vdd-root}${versionsDirName}/${version}/`,
    'chain ${vdd-base}vdd.ipxe',
    '',
  ].join('\n');
}

export function writeRootScript(root: string, version: string): void {
  replaceFile(join(root, rootScriptName), rootScript(version), { mode: 0o644 });
}

/** Makes VERSION current: the link, then the script, then one directory sync for both. */
export function makeCurrent(root: string, version: string): void {
  switchLink(root, currentLinkName, version);
  writeRootScript(root, version);
  syncToDisk(root);
}
