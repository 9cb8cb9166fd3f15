// The published root an HTTP server serves: versions/<version>/ (whole, never changed once
// renamed into place), current and previous (symlinks switched by rename), vdd.ipxe (names
// the current version). Every switch is a rename, so a reader never sees it half-done.
import { closeSync, fsyncSync, lstatSync, openSync, readlinkSync, readdirSync, renameSync, rmSync, symlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { versionPattern } from '../../common/manifest/manifest.ts';
import { syncToDisk } from '../../common/io/sync-to-disk.ts';

export const versionsDirName = 'versions';
export const currentLinkName = 'current';
export const previousLinkName = 'previous';
export const rootScriptName = 'vdd.ipxe';

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
  const temporary = temporaryName(root, rootScriptName);
  const fd = openSync(temporary, 'w', 0o644);
  try {
    writeSync(fd, rootScript(version));
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(temporary, join(root, rootScriptName));
}

/** Makes VERSION current: the link, then the script, then one directory sync for both. */
export function makeCurrent(root: string, version: string): void {
  switchLink(root, currentLinkName, version);
  writeRootScript(root, version);
  syncToDisk(root);
}
