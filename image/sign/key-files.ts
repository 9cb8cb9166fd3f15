// The image signing key pair on disk: image-key (PKCS#8 PEM, 0600) and image-key.pub (SPKI
// PEM), by default in the checkout's .cache/image/keys. The private key is never printed.
import { generateKeyPairSync, createPublicKey, type KeyObject } from 'node:crypto';
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ReadError, readBoundedText } from '../../common/io/read-bounded.ts';
import { replaceFile } from '../../common/io/replace-file.ts';
import { keyFingerprint, loadPublicKey, maxPublicKeyBytes } from '../../common/manifest/manifest-signature.ts';
import { loadPrivateKey } from './sign-manifest.ts';

export const privateKeyName = 'image-key';
export const publicKeyName = 'image-key.pub';
const maxPrivateKeyBytes = 4096;

export function defaultKeyDir(cacheDir: string): string {
  return join(cacheDir, 'keys');
}

export interface KeyPairFiles {
  privateKeyPath: string;
  publicKeyPath: string;
  fingerprint: string;
}

/** Generates an ed25519 pair in DIR; refuses to replace an existing private key unless force. */
export function generateKeyFiles(dir: string, force: boolean): KeyPairFiles {
  const privateKeyPath = join(dir, privateKeyName);
  const publicKeyPath = join(dir, publicKeyName);
  if (existsSync(privateKeyPath) && !force) {
    throw new Error(`${privateKeyPath} already exists; images signed with it would no longer verify against a new key. Add --force to replace it`);
  }
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  replaceFile(privateKeyPath, privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), { mode: 0o600 });
  replaceFile(publicKeyPath, publicKey.export({ type: 'spki', format: 'pem' }).toString(), { mode: 0o644 });
  return { privateKeyPath, publicKeyPath, fingerprint: keyFingerprint(publicKey) };
}

function readKeyText(path: string, maxBytes: number, what: string): string {
  try {
    return readBoundedText(path, maxBytes);
  } catch (error) {
    if (error instanceof ReadError) throw new Error(`${what} ${path}: ${error.message}`, { cause: error });
    throw error;
  }
}

/** Loads a private key file, refusing one that other users can read (as ssh does). */
export function readPrivateKeyFile(path: string): KeyObject {
  const key = loadPrivateKey(readKeyText(path, maxPrivateKeyBytes, 'signing key'), `signing key ${path}`);
  if ((statSync(path).mode & 0o077) !== 0) throw new Error(`signing key ${path}: readable by other users; chmod 600 it`);
  return key;
}

export function readPublicKeyFile(path: string): KeyObject {
  return loadPublicKey(readKeyText(path, maxPublicKeyBytes, 'public key'), `public key ${path}`);
}

export function publicKeyPem(privateKey: KeyObject): string {
  return createPublicKey(privateKey).export({ type: 'spki', format: 'pem' }).toString();
}
