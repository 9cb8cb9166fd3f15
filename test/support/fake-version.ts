// A version directory with small fake artifacts and a real manifest.json, and a throwaway
// ed25519 key pair: what signing, verify, publish and update tests need without a real image.
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { artifactsOf, describeArtifacts, payloadBytes, writeManifest, type Manifest } from '../../common/manifest/manifest.ts';

export interface TestKeys {
  privateKey: KeyObject;
  publicKey: KeyObject;
  publicKeyPem: string;
  privateKeyPem: string;
}

export function makeTestKeys(): TestKeys {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return {
    privateKey,
    publicKey,
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
  };
}

/** Bytes that name the version and artifact, so a mixed-up fetch is visible in the content. */
function fakeContent(version: string, name: string, size: number): Buffer {
  const stamp = Buffer.from(`${version}/${name}\n`);
  const content = Buffer.alloc(size);
  for (let offset = 0; offset < size; offset += stamp.length) stamp.copy(content, offset);
  return content;
}

/** Writes DIR with every artifact (sizes default to a few KiB) and an unsigned manifest.json. */
export async function makeFakeVersion(dir: string, version: string, sizes: Partial<Record<(typeof artifactsOf.vdd)[number], number>> = {}): Promise<Manifest> {
  mkdirSync(dir, { recursive: true });
  for (const name of artifactsOf.vdd) writeFileSync(join(dir, name), fakeContent(version, name, sizes[name] ?? 4096));
  return writeFakeManifest(dir, version, 'vdd');
}

/** The manifest.json of the artifacts already in DIR, for a build of this boot kind (unsigned). */
export async function writeFakeManifest(dir: string, version: string, boot: 'vdd' | 'ltsp'): Promise<Manifest> {
  const artifacts = await describeArtifacts(dir, boot);
  const manifest: Manifest = {
    format: 1,
    name: 'vdd-thin',
    version,
    created: new Date().toISOString(),
    kernel: '6.1.0-27-amd64',
    netbootCommandLine: boot === 'vdd' ? 'vdd.root=${vdd-base}root.squashfs quiet' : '',
    squashfsCompression: 'zstd',
    ...(boot === 'ltsp' ? { boot } : {}),
    payloadBytes: payloadBytes(artifacts),
    payloadBudgetBytes: 200 * 1024 * 1024,
    artifacts,
    build: { seconds: 1, cachedPackages: 0, reusedRoot: false, steps: {} },
  };
  writeManifest(dir, manifest);
  return manifest;
}
