// Which built version vdd-image ltsp installs: the one named (--from DIR, --image-version V) or
// the newest LTSP flavour build in dist/image; a version built for vdd's own boot is refused.
// The one place that tells an LTSP build from the others: vdd-image boot, flash and publish use
// isLtspVersion to leave LTSP builds alone. A damaged or old manifest in dist/image is skipped,
// not fatal; it is named when it is the one asked for or when nothing else is left. The chosen
// version's files must match its manifest before anything of it is installed.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { checkArtifact } from '../../common/manifest/artifact-check.ts';
import { manifestSchema, type Manifest } from '../../common/manifest/manifest.ts';

export class LtspVersionError extends Error {
  override readonly name = 'LtspVersionError';
}

const buildHint = 'build it with: vdd-image build --flavor ltsp';

/** A version directory's manifest as far as it reads: missing, not JSON, of another kind, or a valid one. */
export type VersionManifest =
  | { readonly kind: 'missing'; readonly path: string }
  | { readonly kind: 'unreadable'; readonly path: string; readonly why: string }
  /** JSON with boot other than "ltsp" (or none): vdd's own, whether or not it is valid today. */
  | { readonly kind: 'vdd'; readonly path: string; readonly version: string | undefined }
  /** boot "ltsp", but not a valid manifest. */
  | { readonly kind: 'invalid-ltsp'; readonly path: string; readonly why: string }
  | { readonly kind: 'ltsp'; readonly path: string; readonly manifest: Manifest };

export function readVersionManifest(dir: string): VersionManifest {
  const path = join(dir, 'manifest.json');
  if (!existsSync(path)) return { kind: 'missing', path };
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    return { kind: 'unreadable', path, why: (error as Error).message };
  }
  const raw = typeof json === 'object' && json !== null ? (json as { boot?: unknown; version?: unknown }) : {};
  if (raw.boot !== 'ltsp') return { kind: 'vdd', path, version: typeof raw.version === 'string' ? raw.version : undefined };
  const parsed = manifestSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return { kind: 'invalid-ltsp', path, why: `${issue?.path.join('.')}: ${issue?.message}` };
  }
  return { kind: 'ltsp', path, manifest: parsed.data };
}

/** The LTSP flavour's versions (manifest boot "ltsp") are booted, flashed and published by nothing but an LTSP server. */
export function isLtspVersion(dir: string): boolean {
  const read = readVersionManifest(dir);
  return read.kind === 'ltsp' || read.kind === 'invalid-ltsp';
}

/** The valid LTSP builds in outRoot, newest (by manifest time) first, and the manifests skipped on the way. */
export function ltspVersions(outRoot: string): { versions: { dir: string; manifest: Manifest }[]; skipped: string[]; others: string[] } {
  const built = existsSync(outRoot) ? readdirSync(outRoot).filter((name) => !name.startsWith('.')) : [];
  const versions: { dir: string; manifest: Manifest; mtime: number }[] = [];
  const skipped: string[] = [];
  const others: string[] = [];
  for (const name of built) {
    const dir = join(outRoot, name);
    const read = readVersionManifest(dir);
    if (read.kind === 'ltsp') versions.push({ dir, manifest: read.manifest, mtime: statSync(read.path).mtimeMs });
    else if (read.kind === 'vdd') others.push(name);
    else if (read.kind !== 'missing') skipped.push(`${read.path} (${read.why})`);
  }
  versions.sort((a, b) => b.mtime - a.mtime);
  return { versions: versions.map(({ dir, manifest }) => ({ dir, manifest })), skipped, others };
}

export function findLtspVersion(outRoot: string, named: { from?: string | undefined; version?: string | undefined }): { dir: string; manifest: Manifest } {
  const explicit = named.from ?? (named.version === undefined ? undefined : join(outRoot, named.version));
  if (explicit !== undefined) {
    const read = readVersionManifest(explicit);
    switch (read.kind) {
      case 'missing':
        throw new LtspVersionError(`${explicit} holds no built image (no manifest.json); ${buildHint}`);
      case 'unreadable':
        throw new LtspVersionError(`${read.path}: not a readable manifest (${read.why}); ${buildHint}`);
      case 'invalid-ltsp':
        throw new LtspVersionError(`${read.path}: not a valid manifest (${read.why}); ${buildHint}`);
      case 'vdd':
        throw new LtspVersionError(
          `${explicit}${read.version === undefined ? '' : ` (version ${read.version})`} was built for vdd's own boot (netboot, flashed disks), not for LTSP: its init is busybox and it has no initramfs LTSP can boot; ${buildHint}`,
        );
      case 'ltsp':
        return { dir: explicit, manifest: read.manifest };
    }
  }
  const { versions, skipped, others } = ltspVersions(outRoot);
  if (versions[0] === undefined) {
    const notes = [
      ...(others.length > 0 ? [`only builds for vdd's own boot: ${others.slice(0, 5).join(', ')}`] : []),
      ...(skipped.length > 0 ? [`skipped: ${skipped.slice(0, 3).join('; ')}`] : []),
    ];
    throw new LtspVersionError(`no LTSP flavour build in ${outRoot}${notes.length > 0 ? ` (${notes.join('; ')})` : ''}; ${buildHint}`);
  }
  return versions[0];
}

/**
 * Checks every artifact the manifest lists (size, then sha256) against the version directory's
 * files: a root that was swapped, damaged or only partly copied is refused before it is unpacked.
 */
export async function checkLtspArtifacts(dir: string, manifest: Manifest): Promise<void> {
  const failures: string[] = [];
  for (const [name, entry] of Object.entries(manifest.artifacts)) {
    if (entry === undefined) continue;
    const failure = await checkArtifact(join(dir, name), entry);
    if (failure !== undefined) failures.push(failure.message);
  }
  if (failures.length > 0)
    throw new LtspVersionError(
      `${dir} does not match its manifest.json (version ${manifest.version}): ${failures.join('; ')}; copy the whole version directory again or ${buildHint}; nothing was installed`,
    );
}
