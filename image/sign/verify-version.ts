// Checks a version directory: the signature of manifest.json under a trusted key, then every
// artifact's size and sha256. Collects every problem instead of stopping at the first.
import type { KeyObject } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ReadError, readBoundedText } from '../../common/io/read-bounded.ts';
import { checkArtifact } from '../../common/manifest/artifact-check.ts';
import {
  ManifestSignatureError,
  keyFingerprint,
  manifestFileName,
  maxManifestBytes,
  maxSignatureBytes,
  signatureFileName,
  verifySignedManifest,
  type SignatureCheck,
} from '../../common/manifest/manifest-signature.ts';
import type { Manifest } from '../../common/manifest/manifest.ts';

export interface VersionProblem {
  /** The signature check that failed, or the artifact whose file is wrong. */
  what: SignatureCheck | 'manifest-unreadable' | `artifact:${string}`;
  message: string;
}

export interface VersionCheck {
  dir: string;
  fingerprint: string;
  manifest: Manifest | undefined;
  problems: VersionProblem[];
}

function readSignature(path: string): string | undefined {
  try {
    return readBoundedText(path, maxSignatureBytes);
  } catch (error) {
    if (error instanceof ReadError && error.code === 'ENOENT') return undefined;
    // Too large or unreadable: hand the verifier text it rejects with the right check name.
    if (error instanceof ReadError && error.code === 'TOOBIG') return 'x'.repeat(maxSignatureBytes + 1);
    throw error;
  }
}

function readManifestBytes(dir: string): Buffer {
  const path = join(dir, manifestFileName);
  const size = statSync(path).size;
  if (size > maxManifestBytes) throw new ManifestSignatureError('too-large', `${dir}: ${manifestFileName} is larger than ${maxManifestBytes} bytes`);
  return readFileSync(path);
}

export async function verifyVersionDirectory(dir: string, publicKey: KeyObject): Promise<VersionCheck> {
  const check: VersionCheck = { dir, fingerprint: keyFingerprint(publicKey), manifest: undefined, problems: [] };
  try {
    const manifestBytes = readManifestBytes(dir);
    const signatureText = readSignature(join(dir, signatureFileName));
    check.manifest = verifySignedManifest({ manifestBytes, signatureText, publicKey, source: dir });
  } catch (error) {
    if (error instanceof ManifestSignatureError) check.problems.push({ what: error.check, message: error.message });
    else {
      const code = (error as NodeJS.ErrnoException).code;
      const reason =
        code === 'ENOENT' ? `no ${manifestFileName}: not an image version directory` : `${manifestFileName} cannot be read: ${(error as Error).message}`;
      check.problems.push({ what: 'manifest-unreadable', message: `${dir}: ${reason}` });
    }
    return check;
  }
  for (const [name, entry] of Object.entries(check.manifest.artifacts)) {
    if (entry === undefined) continue;
    const failure = await checkArtifact(join(dir, name), entry);
    if (failure) check.problems.push({ what: `artifact:${name}`, message: failure.message });
  }
  return check;
}
