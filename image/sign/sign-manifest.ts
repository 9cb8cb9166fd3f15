// Signs a version directory's manifest.json with an ed25519 private key, writing
// manifest.json.sig in the format common/manifest/manifest-signature.ts verifies.
import { createPrivateKey, createPublicKey, sign, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { replaceFile } from '../../common/io/replace-file.ts';
import { encodeSignature, keyFingerprint, manifestFileName, signatureFileName, verifySignedManifest } from '../../common/manifest/manifest-signature.ts';
import { describeSchemaProblem } from '../../common/protocol/schema-problem.ts';
import { manifestSchema, type Manifest } from '../../common/manifest/manifest.ts';

/** Parses a PKCS#8 PEM private key and insists on ed25519; source names the key file. */
export function loadPrivateKey(privateKeyPem: string, source: string): KeyObject {
  let key: KeyObject;
  try {
    key = createPrivateKey({ key: privateKeyPem, format: 'pem' });
  } catch (error) {
    throw new Error(`${source}: not a PEM private key`, { cause: error });
  }
  if (key.asymmetricKeyType !== 'ed25519') throw new Error(`${source}: the key is ${key.asymmetricKeyType ?? 'unknown'}, not ed25519`);
  return key;
}

/** The signature file text for these exact manifest bytes. */
export function signManifestBytes(manifestBytes: Uint8Array, privateKey: KeyObject): string {
  return encodeSignature(sign(null, manifestBytes, privateKey));
}

export interface SignedVersion {
  manifest: Manifest;
  fingerprint: string;
}

/**
 * Signs DIR/manifest.json in place: refuses a manifest that is not valid, checks the signature
 * with the verifier before it lands, then writes the .sig under a temporary name and renames it,
 * so a reader never sees half a signature.
 */
export function signVersionDirectory(dir: string, privateKey: KeyObject): SignedVersion {
  const manifestBytes = readFileSync(join(dir, manifestFileName));
  let document: unknown;
  try {
    document = JSON.parse(manifestBytes.toString('utf8'));
  } catch (error) {
    throw new Error(`${dir}: refusing to sign ${manifestFileName}: not JSON`, { cause: error });
  }
  const parsed = manifestSchema.safeParse(document);
  if (!parsed.success) throw new Error(`${dir}: refusing to sign ${manifestFileName}: not a valid manifest: ${describeSchemaProblem(parsed.error)}`);
  const signatureText = signManifestBytes(manifestBytes, privateKey);
  const publicKey = createPublicKey(privateKey);
  const manifest = verifySignedManifest({ manifestBytes, signatureText, publicKey, source: dir });
  replaceFile(join(dir, signatureFileName), signatureText, { mode: 0o644 });
  return { manifest, fingerprint: keyFingerprint(publicKey) };
}
