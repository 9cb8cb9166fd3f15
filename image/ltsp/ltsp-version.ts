// Which built version vdd-image ltsp installs: the one named (--from DIR, --image-version V) or
// the newest LTSP flavour build in dist/image; a version built for vdd's own boot is refused.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { manifestSchema, type Manifest } from '../../common/manifest/manifest.ts';

export class LtspVersionError extends Error {
  override readonly name = 'LtspVersionError';
}

const buildHint = 'build it with: vdd-image build --flavor ltsp';

function readManifest(dir: string): Manifest | undefined {
  const path = join(dir, 'manifest.json');
  if (!existsSync(path)) return undefined;
  const parsed = manifestSchema.safeParse(JSON.parse(readFileSync(path, 'utf8')));
  if (!parsed.success)
    throw new LtspVersionError(`${path}: not a valid manifest (${parsed.error.issues[0]?.path.join('.')}: ${parsed.error.issues[0]?.message})`);
  return parsed.data;
}

export function findLtspVersion(outRoot: string, named: { from?: string | undefined; version?: string | undefined }): { dir: string; manifest: Manifest } {
  const explicit = named.from ?? (named.version === undefined ? undefined : join(outRoot, named.version));
  if (explicit !== undefined) {
    const manifest = readManifest(explicit);
    if (manifest === undefined) throw new LtspVersionError(`${explicit} holds no built image (no manifest.json); ${buildHint}`);
    if (manifest.boot !== 'ltsp')
      throw new LtspVersionError(
        `${explicit} (version ${manifest.version}) was built for vdd's own boot (netboot, flashed disks), not for LTSP: its init is busybox and it has no initramfs LTSP can boot; ${buildHint}`,
      );
    return { dir: explicit, manifest };
  }
  const built = existsSync(outRoot) ? readdirSync(outRoot).filter((name) => !name.startsWith('.')) : [];
  const ltsp = built
    .map((name) => ({ dir: join(outRoot, name), manifest: readManifest(join(outRoot, name)) }))
    .filter((entry): entry is { dir: string; manifest: Manifest } => entry.manifest?.boot === 'ltsp')
    .sort((a, b) => statSync(join(b.dir, 'manifest.json')).mtimeMs - statSync(join(a.dir, 'manifest.json')).mtimeMs);
  if (ltsp[0] === undefined) {
    const others = built.length > 0 ? ` (only builds for vdd's own boot: ${built.slice(0, 5).join(', ')})` : '';
    throw new LtspVersionError(`no LTSP flavour build in ${outRoot}${others}; ${buildHint}`);
  }
  return ltsp[0];
}
