// A valid manifest.json for tests and benchmarks that need one without building an image: every
// artifact gets the same sha256 and size unless the caller says otherwise.
import type { Manifest } from '../../common/manifest/manifest.ts';

type Artifact = Manifest['artifacts']['vmlinuz'];

export function sampleManifest(version: string, artifact: Artifact = { sha256: '0'.repeat(64), size: 1 }): Manifest {
  return {
    format: 1,
    name: 'vdd-thin',
    version,
    created: '2026-11-28T04:00:00.000Z',
    kernel: '6.1.0-27-amd64',
    netbootCommandLine: 'vdd.root=${vdd-base}root.squashfs',
    squashfsCompression: 'xz',
    payloadBytes: 3,
    payloadBudgetBytes: 100,
    artifacts: { vmlinuz: artifact, 'initrd.img': artifact, 'root.squashfs': artifact, 'nbd.img': artifact, 'vdd.ipxe': artifact, 'vdd-thin.img': artifact },
    build: { seconds: 1, cachedPackages: 0, reusedRoot: false, steps: {} },
  };
}
