// The image signature contract: manifest.json.sig next to manifest.json holds the base64
// ed25519 signature of the exact bytes of manifest.json. One verifier for vdd-image (verify,
// publish) and the launcher's update agent; reads no config keys.
import { createHash, createPublicKey, verify, type KeyObject } from 'node:crypto';
import { manifestSchema, type Manifest } from './manifest.ts';
import { describeSchemaProblem } from '../protocol/schema-problem.ts';

export const manifestFileName = 'manifest.json';
export const signatureFileName = 'manifest.json.sig';
/** Where the image carries the key its updates must be signed with. */
export const imagePublicKeyPath = '/etc/vdd/image-key.pub';

/** A manifest is a few KiB; anything far larger is not one (and may come from the network). */
export const maxManifestBytes = 1024 * 1024;
/** A signature file: 88 base64 characters and a newline; room for CRLF and stray blanks. */
export const maxSignatureBytes = 256;
export const maxPublicKeyBytes = 4096;

/** Which check failed, so callers (and tests) can tell a forged update from a broken one. */
export type SignatureCheck = 'missing-signature' | 'garbled-signature' | 'bad-public-key' | 'signature-mismatch' | 'too-large' | 'not-json' | 'schema';

export class ManifestSignatureError extends Error {
  override readonly name = 'ManifestSignatureError';
  readonly check: SignatureCheck;
  constructor(check: SignatureCheck, message: string, options?: ErrorOptions) {
    super(message, options);
    this.check = check;
  }
}

const base64Signature = /^[A-Za-z0-9+/]{86}==$/;

/** Parses a PEM public key and insists on ed25519; source names the file or URL in errors. */
export function loadPublicKey(publicKeyPem: string, source: string): KeyObject {
  if (publicKeyPem.length > maxPublicKeyBytes) {
    throw new ManifestSignatureError('bad-public-key', `${source}: the public key is larger than ${maxPublicKeyBytes} bytes`);
  }
  let key: KeyObject;
  try {
    key = createPublicKey({ key: publicKeyPem, format: 'pem' });
  } catch (error) {
    throw new ManifestSignatureError('bad-public-key', `${source}: not a PEM public key`, { cause: error });
  }
  if (key.asymmetricKeyType !== 'ed25519') {
    throw new ManifestSignatureError('bad-public-key', `${source}: the key is ${key.asymmetricKeyType ?? 'unknown'}, not ed25519`);
  }
  return key;
}

/** Short, stable name of a public key (sha256 of its SPKI DER) for messages and listings. */
export function keyFingerprint(key: KeyObject): string {
  const der = key.export({ type: 'spki', format: 'der' });
  return `ed25519:${createHash('sha256').update(der).digest('hex').slice(0, 16)}`;
}

/** Decodes signature file text: base64 of exactly 64 bytes, surrounding blanks allowed. */
export function decodeSignature(signatureText: string | undefined, source: string): Buffer {
  if (signatureText === undefined) {
    throw new ManifestSignatureError('missing-signature', `${source}: no ${signatureFileName}: the version is not signed`);
  }
  if (signatureText.length > maxSignatureBytes) {
    throw new ManifestSignatureError('garbled-signature', `${source}: ${signatureFileName} is larger than ${maxSignatureBytes} bytes`);
  }
  const text = signatureText.trim();
  if (text === '') throw new ManifestSignatureError('missing-signature', `${source}: ${signatureFileName} is empty: the version is not signed`);
  const signature = Buffer.from(text, 'base64');
  // Canonical base64 only: the last character's unused bits must be zero, so one signature has
  // one spelling and a changed character is never silently the same signature.
  if (!base64Signature.test(text) || signature.toString('base64') !== text) {
    throw new ManifestSignatureError('garbled-signature', `${source}: ${signatureFileName} is not the base64 of a 64-byte ed25519 signature`);
  }
  return signature;
}

/** The signature file text for a signature. */
export function encodeSignature(signature: Buffer): string {
  return `${signature.toString('base64')}\n`;
}

export interface SignedManifestInput {
  /** The exact bytes of manifest.json, as served or stored. */
  manifestBytes: Uint8Array;
  /** The text of manifest.json.sig; undefined when the file does not exist. */
  signatureText: string | undefined;
  /** The trusted public key (PEM text, or a key already loaded with loadPublicKey). */
  publicKey: string | KeyObject;
  /** Names the version directory or URL in every error message. */
  source: string;
}

/**
 * Checks the signature over the exact bytes first, and only then parses them: nothing of an
 * unsigned manifest is interpreted. Returns the typed manifest or throws ManifestSignatureError.
 */
export function verifySignedManifest(input: SignedManifestInput): Manifest {
  const { manifestBytes, signatureText, source } = input;
  const key = typeof input.publicKey === 'string' ? loadPublicKey(input.publicKey, `${source}: public key`) : input.publicKey;
  if (manifestBytes.byteLength > maxManifestBytes) {
    throw new ManifestSignatureError('too-large', `${source}: ${manifestFileName} is larger than ${maxManifestBytes} bytes`);
  }
  const signature = decodeSignature(signatureText, source);
  if (!verify(null, manifestBytes, key, signature)) {
    throw new ManifestSignatureError(
      'signature-mismatch',
      `${source}: the signature does not match ${manifestFileName} under key ${keyFingerprint(key)}: signed with another key, or the manifest was changed after signing`,
    );
  }
  let document: unknown;
  try {
    document = JSON.parse(Buffer.from(manifestBytes).toString('utf8'));
  } catch (error) {
    throw new ManifestSignatureError('not-json', `${source}: ${manifestFileName} is signed but is not JSON`, { cause: error });
  }
  const parsed = manifestSchema.safeParse(document);
  if (!parsed.success) {
    throw new ManifestSignatureError('schema', `${source}: ${manifestFileName} is signed but not a valid manifest: ${describeSchemaProblem(parsed.error)}`);
  }
  return parsed.data;
}
