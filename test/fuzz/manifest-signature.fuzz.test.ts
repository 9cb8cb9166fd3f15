// The signature check an update trusts: whatever bytes arrive as manifest, signature or public key,
// verifySignedManifest returns a manifest only for bytes signed by the trusted key, and otherwise
// throws ManifestSignatureError with a short, terminal-safe message naming the failed check.
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { signManifestBytes } from '../../image/sign/sign-manifest.ts';
import { ManifestSignatureError, verifySignedManifest } from '../../common/manifest/manifest-signature.ts';
import { makeFakeVersion, makeTestKeys } from '../support/fake-version.ts';
import { expectTerminalSafe, fuzzRuns, hostileBytes, hostileText } from '../support/fuzz.ts';
import { useTempDir } from '../support/temp-dir.ts';

const keys = makeTestKeys();
const dir = useTempDir('vdd-signature-fuzz-');
let signedBytes = Buffer.alloc(0);
let signature = '';

beforeAll(async () => {
  await makeFakeVersion(join(dir, 'v'), '4.0.0');
  signedBytes = readFileSync(join(dir, 'v', 'manifest.json'));
  signature = signManifestBytes(signedBytes, keys.privateKey);
});

function rejection(run: () => unknown): ManifestSignatureError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(ManifestSignatureError);
    const message = (error as ManifestSignatureError).message;
    expectTerminalSafe(message);
    expect(message.length).toBeLessThan(1000);
    return error as ManifestSignatureError;
  }
  throw new Error('accepted');
}

describe('manifest signature', () => {
  it('refuses any bytes, signature text and key that are not a trusted signature', () => {
    const publicKey = fc.oneof(fc.constant(keys.publicKeyPem), hostileText(300), fc.constant(makeTestKeys().publicKeyPem));
    fc.assert(
      fc.property(hostileBytes(2048), fc.option(hostileText(200), { nil: undefined }), publicKey, (bytes, text, key) => {
        rejection(() => verifySignedManifest({ manifestBytes: bytes, signatureText: text, publicKey: key, source: 'fuzz' }));
      }),
      { numRuns: fuzzRuns },
    );
  });

  it('one changed byte of a signed manifest or of its signature is always refused', () => {
    fc.assert(
      fc.property(fc.boolean(), fc.nat(), fc.integer({ min: 1, max: 255 }), (inSignature, position, change) => {
        const bytes = Buffer.from(signedBytes);
        const text = Buffer.from(signature);
        const target = inSignature ? text : bytes;
        const index = position % (inSignature ? text.length - 1 : target.length);
        target[index] = ((target[index] ?? 0) + change) % 256;
        const error = rejection(() =>
          verifySignedManifest({ manifestBytes: bytes, signatureText: text.toString('latin1'), publicKey: keys.publicKey, source: 'fuzz' }),
        );
        expect(['signature-mismatch', 'garbled-signature']).toContain(error.check);
      }),
      { numRuns: Math.min(fuzzRuns, 3000) },
    );
    expect(verifySignedManifest({ manifestBytes: signedBytes, signatureText: signature, publicKey: keys.publicKey, source: 'fuzz' }).version).toBe('4.0.0');
  });

  it('signed documents that are not manifests are refused as such, never returned', () => {
    fc.assert(
      fc.property(fc.oneof(fc.json({ maxDepth: 3 }), hostileText(200)), (text) => {
        const bytes = Buffer.from(text);
        const error = rejection(() =>
          verifySignedManifest({ manifestBytes: bytes, signatureText: signManifestBytes(bytes, keys.privateKey), publicKey: keys.publicKey, source: 'fuzz' }),
        );
        expect(['not-json', 'schema']).toContain(error.check);
      }),
      { numRuns: Math.min(fuzzRuns, 3000) },
    );
  });
});
