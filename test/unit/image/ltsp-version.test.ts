// Which build vdd-image ltsp takes, and which ones vdd-image boot, flash and publish leave alone:
// one reading of dist/image for both, where a damaged or old manifest is skipped, not fatal.
import { mkdirSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findImageDir } from '../../../image/boot/boot-image.ts';
import { findLtspVersion, isLtspVersion, readVersionManifest } from '../../../image/ltsp/ltsp-version.ts';
import { makeFakeVersion, writeFakeManifest } from '../../support/fake-version.ts';
import { useTempDir } from '../../support/temp-dir.ts';

const work = useTempDir('vdd-ltsp-version-');

async function makeLtspManifest(dir: string, version: string, mtime: number): Promise<void> {
  mkdirSync(dir, { recursive: true });
  for (const name of ['vmlinuz', 'initrd.img', 'root.squashfs']) writeFileSync(join(dir, name), name);
  await writeFakeManifest(dir, version, 'ltsp');
  utimesSync(join(dir, 'manifest.json'), mtime, mtime);
}

describe('the newest LTSP build', () => {
  const out = join(work, 'dist');

  it('skips damaged and old-format manifests in dist/image, and both readers agree on which builds are LTSP', async () => {
    await makeLtspManifest(join(out, 'l1'), 'l1', 1_000);
    await makeLtspManifest(join(out, 'l2'), 'l2', 2_000);
    await makeFakeVersion(join(out, 'v1'), 'v1');
    mkdirSync(join(out, 'broken'));
    writeFileSync(join(out, 'broken/manifest.json'), '{"format": 1, "boot": ');
    // A manifest from before today's format (no artifacts, an unknown key): vdd's own, not an error.
    mkdirSync(join(out, 'old'));
    writeFileSync(join(out, 'old/manifest.json'), JSON.stringify({ format: 1, version: 'old', files: [] }));
    mkdirSync(join(out, 'empty'));
    expect(findLtspVersion(out, {}).dir).toBe(join(out, 'l2'));
    expect(['l1', 'l2', 'v1', 'broken', 'old'].filter((name) => isLtspVersion(join(out, name)))).toEqual(['l1', 'l2']);
    expect(findImageDir(out, 'v1')).toBe(join(out, 'v1'));
    expect(() => findImageDir(out, 'l1')).toThrow(/is the LTSP flavour/);
  });

  it('names the file when the version asked for has a manifest it cannot read', () => {
    expect(() => findLtspVersion(out, { version: 'broken' })).toThrow(`${join(out, 'broken/manifest.json')}: not a readable manifest (`);
    expect(() => findLtspVersion(out, { version: 'old' })).toThrow(`${join(out, 'old')} (version old) was built for vdd's own boot`);
    expect(() => findLtspVersion(out, { version: 'empty' })).toThrow(`${join(out, 'empty')} holds no built image (no manifest.json)`);
    writeFileSync(join(out, 'l1/manifest.json'), JSON.stringify({ format: 1, boot: 'ltsp', version: 'l1' }));
    expect(readVersionManifest(join(out, 'l1')).kind).toBe('invalid-ltsp');
    expect(() => findLtspVersion(out, { version: 'l1' })).toThrow(`${join(out, 'l1/manifest.json')}: not a valid manifest (`);
  });

  it('with no LTSP build left, says which manifests it skipped', () => {
    const only = join(work, 'only-broken');
    mkdirSync(join(only, 'x'), { recursive: true });
    writeFileSync(join(only, 'x/manifest.json'), 'not json');
    expect(() => findLtspVersion(only, {})).toThrow(
      new RegExp(`no LTSP flavour build in ${only} \\(skipped: ${join(only, 'x/manifest.json')} \\(.*\\)\\); build it with`),
    );
  });
});
