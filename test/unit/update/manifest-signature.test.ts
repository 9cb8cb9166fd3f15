// The signature contract: exact bytes of manifest.json, base64 ed25519 in manifest.json.sig,
// and an error naming the failed check for every way a signed manifest can be wrong.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { signManifestBytes } from '../../../image/sign/sign-manifest.ts';
import { ManifestSignatureError, verifySignedManifest, type SignatureCheck } from '../../../common/manifest/manifest-signature.ts';
import { makeFakeVersion, makeTestKeys } from '../../support/fake-version.ts';
import { useTempDir } from '../../support/temp-dir.ts';

const dir = useTempDir('vdd-signature-');
const keys = makeTestKeys();
const other = makeTestKeys();

function failure(run: () => unknown): { check: SignatureCheck; message: string } {
  try {
    run();
  } catch (error) {
    if (error instanceof ManifestSignatureError) return { check: error.check, message: error.message };
    throw error;
  }
  throw new Error('verification passed');
}

describe('verifySignedManifest', () => {
  it('accepts a manifest signed with the trusted key and returns it typed', async () => {
    const written = await makeFakeVersion(join(dir, 'good'), '1.0.0');
    const manifestBytes = readFileSync(join(dir, 'good', 'manifest.json'));
    const signatureText = signManifestBytes(manifestBytes, keys.privateKey);
    expect(signatureText).toMatch(/^[A-Za-z0-9+/]{86}==\n$/);
    const manifest = verifySignedManifest({ manifestBytes, signatureText, publicKey: keys.publicKeyPem, source: 'good' });
    expect(manifest.version).toBe('1.0.0');
    expect(manifest.artifacts).toEqual(written.artifacts);
  });

  it('names the failed check', async () => {
    await makeFakeVersion(join(dir, 'bad'), '1.0.1');
    const manifestBytes = readFileSync(join(dir, 'bad', 'manifest.json'));
    const signatureText = signManifestBytes(manifestBytes, keys.privateKey);
    const verifyWith =
      (bytes: Uint8Array, text: string | undefined, key = keys.publicKeyPem) =>
      () =>
        verifySignedManifest({ manifestBytes: bytes, signatureText: text, publicKey: key, source: 'dist/image/1.0.1' });

    expect(failure(verifyWith(manifestBytes, undefined))).toMatchObject({ check: 'missing-signature', message: expect.stringContaining('not signed') });
    expect(failure(verifyWith(manifestBytes, ''))).toMatchObject({ check: 'missing-signature' });
    expect(failure(verifyWith(manifestBytes, 'not base64 at all!'))).toMatchObject({ check: 'garbled-signature' });
    expect(failure(verifyWith(manifestBytes, `${signatureText.slice(0, 40)}\n`))).toMatchObject({ check: 'garbled-signature' });
    expect(failure(verifyWith(manifestBytes, signatureText, other.publicKeyPem))).toMatchObject({
      check: 'signature-mismatch',
      message: expect.stringContaining('another key'),
    });
    const changed = Buffer.from(manifestBytes.toString().replace('1.0.1', '1.0.2'));
    expect(failure(verifyWith(changed, signatureText))).toMatchObject({ check: 'signature-mismatch' });
    expect(failure(verifyWith(manifestBytes, signatureText, 'garbage'))).toMatchObject({ check: 'bad-public-key' });

    const notJson = Buffer.from('{"format": 1,');
    expect(failure(verifyWith(notJson, signManifestBytes(notJson, keys.privateKey)))).toMatchObject({ check: 'not-json' });
    const wrongShape = Buffer.from(JSON.stringify({ format: 1, version: '../../etc' }));
    expect(failure(verifyWith(wrongShape, signManifestBytes(wrongShape, keys.privateKey)))).toMatchObject({
      check: 'schema',
      message: expect.stringContaining('version'),
    });
  });

  it('checks the exact bytes: reformatting a signed manifest breaks the signature', async () => {
    await makeFakeVersion(join(dir, 'bytes'), '1.0.3');
    const path = join(dir, 'bytes', 'manifest.json');
    const signatureText = signManifestBytes(readFileSync(path), keys.privateKey);
    writeFileSync(path, JSON.stringify(JSON.parse(readFileSync(path, 'utf8'))));
    expect(failure(() => verifySignedManifest({ manifestBytes: readFileSync(path), signatureText, publicKey: keys.publicKey, source: 'x' })).check).toBe(
      'signature-mismatch',
    );
  });
});
