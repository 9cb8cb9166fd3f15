// manifest.json: the version and the sha256 and size of every artifact; what publishing,
// verification and A/B updates check against.
import { createHash } from 'node:crypto';
import { createReadStream, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';

export const payloadArtifacts = ['vmlinuz', 'initrd.img', 'root.squashfs'] as const;

/** An image's name (the spec's `name`): a short lowercase word. */
export const imageNameSchema = z.string().regex(/^[a-z][a-z0-9-]{0,31}$/, 'must be a short lowercase name');

/** An image version: also the name of its directory, so never a path. */
export const versionPattern = /^[0-9A-Za-z][0-9A-Za-z.+_-]{0,63}$/;

const artifactSchema = z.strictObject({ sha256: z.string().regex(/^[0-9a-f]{64}$/), size: z.number().int().min(0) });

const artifactsSchema = z.strictObject({
  vmlinuz: artifactSchema,
  'initrd.img': artifactSchema,
  'root.squashfs': artifactSchema,
  // Versions built before the NBD client left the initrd have none, and must still verify and
  // be updated to (a rollback on the image server can make one current again).
  'nbd.img': artifactSchema.optional(),
  // vdd's own boot only (the LTSP flavour boots through LTSP's iPXE script, and has no disk image).
  'vdd.ipxe': artifactSchema.optional(),
  'vdd-thin.img': artifactSchema.optional(),
});

/** Who boots a version: vdd's own initrd, netboot script and disk (vdd), or a stock LTSP server (ltsp). */
export const bootKinds = ['vdd', 'ltsp'] as const;
export type BootKind = (typeof bootKinds)[number];

/** Every artifact a build of each boot kind writes. */
export const artifactsOf = {
  vdd: ['vmlinuz', 'initrd.img', 'root.squashfs', 'nbd.img', 'vdd.ipxe', 'vdd-thin.img'],
  ltsp: ['vmlinuz', 'initrd.img', 'root.squashfs'],
} as const satisfies Record<BootKind, readonly (keyof z.infer<typeof artifactsSchema>)[]>;

export const manifestSchema = z
  .strictObject({
    format: z.literal(1),
    // A manifest may come from an image server over the network: every string is bounded and checked.
    name: imageNameSchema,
    version: z.string().regex(versionPattern),
    created: z.iso.datetime(),
    kernel: z.string().regex(/^[A-Za-z0-9._+-]{1,128}$/, 'must be a kernel release such as 6.1.0-27-amd64'),
    /** The netboot kernel command line; ${vdd-base} stands for the URL of the version's directory. */
    netbootCommandLine: z.string().regex(/^[\x20-\x7e]{0,4096}$/, 'must be printable ASCII, at most 4096 characters'),
    squashfsCompression: z.enum(['xz', 'zstd', 'gzip']),
    payloadBytes: z.number().int(),
    payloadBudgetBytes: z.number().int(),
    /** Absent in versions from before the LTSP flavour: those are vdd's. */
    boot: z.enum(bootKinds).optional(),
    artifacts: artifactsSchema,
    build: z.strictObject({ seconds: z.number(), cachedPackages: z.number().int(), reusedRoot: z.boolean(), steps: z.record(z.string(), z.number()) }),
  })
  .superRefine((manifest, context) => {
    if (manifest.boot === 'ltsp') return;
    for (const name of ['vdd.ipxe', 'vdd-thin.img'] as const) {
      if (manifest.artifacts[name] === undefined)
        context.addIssue({ code: 'custom', path: ['artifacts', name], message: `a version for vdd's own boot must have ${name}` });
    }
  });

export type Manifest = z.infer<typeof manifestSchema>;

export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  // 1 MiB reads: fewer, larger reads than the default 64 KiB hash a version of hundreds of MiB faster (bench publish).
  for await (const chunk of createReadStream(path, { highWaterMark: 1024 * 1024 })) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

export async function describeArtifacts(dir: string, boot: BootKind = 'vdd'): Promise<Manifest['artifacts']> {
  const artifacts: Partial<Record<(typeof artifactsOf)[BootKind][number], z.infer<typeof artifactSchema>>> = {};
  for (const name of artifactsOf[boot]) {
    const path = join(dir, name);
    artifacts[name] = { sha256: await sha256File(path), size: statSync(path).size };
  }
  return artifacts as Manifest['artifacts'];
}

export function payloadBytes(artifacts: Manifest['artifacts']): number {
  return payloadArtifacts.reduce((sum, name) => sum + artifacts[name].size, 0);
}

export function writeManifest(dir: string, manifest: Manifest): void {
  writeFileSync(join(dir, 'manifest.json'), `${JSON.stringify(manifestSchema.parse(manifest), null, 2)}\n`);
}
