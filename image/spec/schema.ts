// The image spec: what the image contains and which artifacts it yields, as validated data.
// vdd-image only executes this description (mkosi style); docs/image.md documents every field.
import { z } from 'zod';
import { imageNameSchema } from '../../common/manifest/manifest.ts';

/** A path inside the image: absolute, normalised, no "..". */
const imagePath = z
  .string()
  .max(4096)
  .regex(/^\/(?:[^/\0]+\/)*[^/\0]*$/, 'must be an absolute path inside the image')
  .refine((path) => !path.split('/').some((part) => part === '.' || part === '..'), 'must not contain "." or ".." parts');
/** A glob over image paths (dpkg path-exclude style: * ? [..]). */
const imageGlob = z.string().min(2).max(4096).startsWith('/', 'must start with /');
/** A path on the build host, relative to the spec file. */
const repoPath = z
  .string()
  .min(1)
  .max(4096)
  .refine((path) => !path.startsWith('/'), 'must be relative to the spec file');
const packageName = z.string().regex(/^[a-z0-9][a-z0-9+.-]{0,99}$/, 'must be a Debian package name');
const userName = z.string().regex(/^[a-z_][a-z0-9_-]{0,31}$/, 'must be a user name (lowercase letters, digits, _ and -)');
/** Kernel parameter: KEY or KEY=VALUE without spaces or quotes (iPXE, syslinux and systemd-boot split on spaces). */
const kernelParameter = z.string().regex(/^[A-Za-z0-9_.,:/=+@-]{1,256}$/, 'must be KEY or KEY=VALUE without spaces or quotes');
/** Module path glob relative to /lib/modules/KVER/kernel, e.g. drivers/net/ethernet/intel/e1000/. */
const moduleGlob = z.string().regex(/^[A-Za-z0-9_*?./[\]-]{1,256}$/, 'must be a glob relative to /lib/modules/VERSION/kernel');
const compression = z.enum(['xz', 'zstd', 'gzip']);
/** Who makes the client's initrd and serves the root: vdd's own (netboot, flashed disks) or a stock LTSP server. */
const bootKind = z.enum(['vdd', 'ltsp']);
/** Debian's PAM user database entries: uids below 1000 are system accounts (LTSP's `ltsp image` keeps them, and deletes the others). */
const userSchema = z.strictObject({
  name: userName,
  uid: z.number().int().min(100).max(59999),
  groups: z.array(userName).max(20),
  home: imagePath,
  shell: imagePath,
});
const flavorName = z.string().regex(/^[a-z][a-z0-9-]{0,15}$/, 'must be a short lowercase name');

/**
 * A flavour of the image (`vdd-image build --flavor NAME`), as mkosi's profiles: only what differs
 * from the spec it sits in, so both share everything else.
 */
const flavorSchema = z.strictObject({
  description: z.string().max(500),
  boot: bootKind,
  /** Installed besides the spec's packages. */
  addPackages: z.array(packageName).max(200),
  /** Taken out of the spec's purgePackages: this flavour runs them. Each must be listed there. */
  keepPackages: z.array(packageName).max(200),
  /** Taken out of the spec's removePaths (the same patterns). Each must be listed there. */
  keepPaths: z.array(imageGlob).max(200),
  /** Kernel modules kept besides kernel.modules. */
  addModules: z.array(moduleGlob).max(200),
  /** Instead of the spec's overlays. */
  overlays: z.array(repoPath).max(20),
  /** Instead of the spec's users. */
  users: z.array(userSchema).max(20),
  /** Instead of the spec's payloadBudgetMiB. */
  payloadBudgetMiB: z.number().int().min(1).max(4096).optional(),
});

export const imageSpecSchema = z.strictObject({
  name: imageNameSchema,
  description: z.string().max(500).optional(),
  /** vdd (default): vdd's own initrd, netboot script and disk image; ltsp: Debian's initramfs in /boot, for `vdd-image ltsp`. */
  boot: bootKind.default('vdd'),
  debian: z.strictObject({
    suite: z.string().regex(/^[a-z]+$/, 'must be a Debian suite name such as bookworm'),
    mirror: z.url({ protocol: /^https?$/ }),
    variant: z.enum(['minbase', 'essential', 'apt']),
    architecture: z.literal('amd64'),
  }),
  packages: z.array(packageName).min(1).max(500),
  /** dpkg path-exclude: never written to the root (docs, man pages, locales, GL drivers). */
  excludePaths: z.array(imageGlob).max(200),
  /** dpkg path-include: exceptions to excludePaths (copyright files). */
  includePaths: z.array(imageGlob).max(200),
  /** Purged after installation, ignoring dependencies: pulled in by packages but never used at run time (perl, Mesa, apt). */
  purgePackages: z.array(packageName).max(200),
  /** Removed after installation: the image has no package manager at run time. */
  removePaths: z.array(imageGlob).max(200),
  /** Directories laid over the root in order, later wins. */
  overlays: z.array(repoPath).max(20),
  /** Single files from the repository, e.g. the launcher build. */
  files: z
    .array(z.strictObject({ source: repoPath, target: imagePath, mode: z.string().regex(/^0?[0-7]{3}$/, 'must be an octal mode such as 0755') }))
    .max(100),
  /** Files whose text has {{version}} and {{name}} replaced at build time. */
  templates: z.array(imagePath).max(50),
  users: z.array(userSchema).max(20),
  hostname: z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'must be a host name label'),
  kernel: z.strictObject({
    parameters: z.array(kernelParameter).max(50),
    /** Modules kept in the root (their dependencies are kept too); everything else is removed. */
    modules: z.array(moduleGlob).min(1).max(500),
    /** Modules the initrd carries: network, storage and the file systems that reach the root. */
    initrdModules: z.array(moduleGlob).min(1).max(500),
  }),
  initrd: z.strictObject({
    compression,
    /**
     * What attaching the root over NBD needs (nbd-client), copied from the root with the libraries
     * they need into nbd.img, which the initrd fetches from beside the root only when it attaches
     * the root over NBD: most clients never do, and a flashed disk never does.
     */
    nbdPrograms: z.array(imagePath).min(1).max(20),
  }),
  squashfs: z
    .strictObject({
      /** Release builds; `vdd-image build --fast` uses fastCompression instead. */
      compression,
      /** Of the release compression: zstd 1-22, gzip 1-9 (xz has none); mksquashfs's default when absent. */
      level: z.number().int().min(1).max(22).optional(),
      fastCompression: compression,
      blockSizeKiB: z.union([z.literal(128), z.literal(256), z.literal(512), z.literal(1024)]),
    })
    .refine((squashfs) => squashfs.level === undefined || squashfs.compression === 'zstd' || (squashfs.compression === 'gzip' && squashfs.level <= 9), {
      message: 'level applies to zstd (1-22) and gzip (1-9) only',
      path: ['level'],
    }),
  netboot: z.strictObject({
    /** RAM the running system needs besides the root held in RAM; less than that means NBD. */
    ramReserveMiB: z.number().int().min(32).max(4096),
    nbdPort: z.number().int().min(1).max(65535),
  }),
  disk: z.strictObject({
    bootPartitionMiB: z.number().int().min(32).max(1024),
    /** Each of the A and B root partitions. */
    rootSlotMiB: z.number().int().min(32).max(16384),
    /** The refurbisher-editable configuration written to the FAT partition as vdd.conf. */
    config: repoPath,
  }),
  /** Kernel + initrd + squashfs, release compression. A bigger payload fails the build. */
  payloadBudgetMiB: z.number().int().min(1).max(4096),
  gentoo: z.strictObject({
    profile: z.string().max(200),
    packages: z
      .array(z.string().regex(/^[a-z0-9-]+\/[A-Za-z0-9+_.-]+$/, 'must be a Portage atom category/name'))
      .min(1)
      .max(200),
    use: z.record(z.string().max(200), z.array(z.string().regex(/^-?[a-z0-9_+-]+$/, 'must be a USE flag')).max(100)),
    makeConf: z.record(z.string().regex(/^[A-Z_]+$/, 'must be a make.conf variable'), z.string().max(1000)),
    kernelConfig: z.array(z.string().regex(/^CONFIG_[A-Z0-9_]+=(?:y|m|n|"[^"]*"|[0-9]+)$/, 'must be CONFIG_X=y|m|n|value')).max(500),
  }),
  flavors: z.record(flavorName, flavorSchema).optional(),
});

export type ImageSpec = z.infer<typeof imageSpecSchema>;
export type ImageFlavor = z.infer<typeof flavorSchema>;
export type BootKind = z.infer<typeof bootKind>;
export type Compression = z.infer<typeof compression>;
