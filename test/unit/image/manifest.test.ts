// manifest.json's artifacts: a version built before nbd.img existed still parses (it can be
// made current again by a rollback and updated to), and an artifact nobody knows is refused.
import { describe, expect, it } from 'vitest';
import { manifestSchema } from '../../../common/manifest/manifest.ts';
import { sampleManifest } from '../../support/sample-manifest.ts';

describe('manifest artifacts', () => {
  it('accepts a version without nbd.img', () => {
    const { 'nbd.img': _nbd, ...older } = sampleManifest('0.0.9').artifacts;
    const parsed = manifestSchema.parse({ ...sampleManifest('0.0.9'), artifacts: older });
    expect(Object.keys(parsed.artifacts).sort()).toEqual(['initrd.img', 'root.squashfs', 'vdd-thin.img', 'vdd.ipxe', 'vmlinuz']);
  });

  it('refuses a version without one of the payload artifacts, or with an unknown artifact', () => {
    const { 'initrd.img': _initrd, ...withoutInitrd } = sampleManifest('1.0.0').artifacts;
    expect(manifestSchema.safeParse({ ...sampleManifest('1.0.0'), artifacts: withoutInitrd }).success).toBe(false);
    const extra = { ...sampleManifest('1.0.0').artifacts, '../x': { sha256: '0'.repeat(64), size: 1 } };
    expect(manifestSchema.safeParse({ ...sampleManifest('1.0.0'), artifacts: extra }).success).toBe(false);
  });
});
