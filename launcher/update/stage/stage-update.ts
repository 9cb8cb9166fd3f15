// The unprivileged half of an A/B update: fetches a version's signed manifest, refuses it unless
// the signature matches the image's key, then downloads vmlinuz, initrd.img and root.squashfs
// into the staging directory with resume, each checked against the signed size and sha256.
// What it stages is checked again by the root helper (slot-install.ts). Reads no config keys.
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { payloadArtifacts, type Manifest } from '../../../common/manifest/manifest.ts';
import { checkArtifact } from '../../../common/manifest/artifact-check.ts';
import { manifestFileName, maxManifestBytes, maxSignatureBytes, signatureFileName, verifySignedManifest } from '../../../common/manifest/manifest-signature.ts';
import { DownloadCut, downloadPart, fetchSmall, type Fetch } from './resumable-download.ts';
import { UpdateRejected } from '../update-rejected.ts';

export type StageOptions = {
  /** The version's directory (ends in /): manifest.json, manifest.json.sig and the artifacts. */
  readonly base: URL;
  readonly staging: string;
  /** PEM text of the image's key (/etc/vdd/image-key.pub). */
  readonly publicKey: string;
  readonly ca?: string | undefined;
  readonly idleMs: number;
  /** Tries per artifact; every try after the first resumes. */
  readonly attempts: number;
  readonly progress?: (name: string, bytes: number, total: number) => void;
};

/** resumedFrom: bytes of each artifact an earlier run had left; downloadedBytes: what came over the network this run. */
export type StageResult = { readonly manifest: Manifest; readonly resumedFrom: Readonly<Record<string, number>>; readonly downloadedBytes: number };

/** Reads the signed manifest at base; UpdateRejected when unsigned or wrongly signed. */
async function fetchSignedManifest(
  options: Pick<StageOptions, 'base' | 'publicKey' | 'ca' | 'idleMs'>,
): Promise<{ manifest: Manifest; bytes: Buffer; signature: Buffer | undefined }> {
  const at = (name: string): Fetch => ({ url: new URL(name, options.base), ca: options.ca, idleMs: options.idleMs });
  const bytes = await fetchSmall(at(manifestFileName), maxManifestBytes);
  if (!bytes) throw new UpdateRejected(`${new URL(manifestFileName, options.base).href}: not found (HTTP 404)`);
  const signature = await fetchSmall(at(signatureFileName), maxSignatureBytes);
  try {
    const manifest = verifySignedManifest({
      manifestBytes: bytes,
      signatureText: signature?.toString('latin1'),
      publicKey: options.publicKey,
      source: options.base.href,
    });
    return { manifest, bytes, signature };
  } catch (error) {
    throw new UpdateRejected((error as Error).message, { cause: error });
  }
}

function sameBytes(path: string, bytes: Buffer): boolean {
  try {
    return readFileSync(path).equals(bytes);
  } catch {
    return false;
  }
}

function partBytes(part: string): number {
  try {
    return statSync(part).size;
  } catch {
    return 0;
  }
}

export async function stageUpdate(options: StageOptions): Promise<StageResult> {
  const { manifest, bytes, signature } = await fetchSignedManifest(options);
  mkdirSync(options.staging, { recursive: true, mode: 0o700 });
  // Parts of another version are worthless: start clean when the manifest changed.
  if (!sameBytes(join(options.staging, manifestFileName), bytes)) {
    for (const name of readdirSync(options.staging)) rmSync(join(options.staging, name), { force: true, recursive: true });
    writeFileSync(join(options.staging, manifestFileName), bytes, { mode: 0o644 });
  }
  writeFileSync(join(options.staging, signatureFileName), signature ?? '', { mode: 0o644 });
  const resumedFrom: Record<string, number> = {};
  let downloadedBytes = 0;
  for (const name of payloadArtifacts) {
    const expected = manifest.artifacts[name];
    const path = join(options.staging, name);
    if ((await checkArtifact(path, expected)) === undefined) continue;
    const part = `${path}.part`;
    const fetch: Fetch = { url: new URL(name, options.base), ca: options.ca, idleMs: options.idleMs };
    const kept = partBytes(part);
    resumedFrom[name] = kept;
    for (let attempt = 1; ; attempt++) {
      try {
        await downloadPart(fetch, part, expected.size, (done) => options.progress?.(name, done, expected.size));
        downloadedBytes += expected.size - Math.min(kept, expected.size);
        break;
      } catch (error) {
        if (!(error instanceof DownloadCut) || attempt >= options.attempts) throw error;
        await sleep(Math.min(1000 * 2 ** (attempt - 1), 15_000));
      }
    }
    const problem = await checkArtifact(part, expected);
    if (problem) {
      // A whole file that does not match is useless to resume: drop it.
      rmSync(part, { force: true });
      throw new UpdateRejected(`${fetch.url.href}: ${problem.message.replace(`${part}: `, '')}; the update is refused`);
    }
    renameSync(part, path);
  }
  return { manifest, resumedFrom, downloadedBytes };
}
