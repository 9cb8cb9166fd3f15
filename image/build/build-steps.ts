// The image build as one list of named steps, in order (mkosi-like): `vdd-image build` runs them
// and `vdd-image build --plan` prints them, so the two never disagree. A step reads the spec and
// the build context, and leaves what later steps need in the build's results.
import { statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { imagePublicKeyPath } from '../../common/manifest/manifest-signature.ts';
import { describeArtifacts, payloadBytes, writeManifest, type Manifest } from '../../common/manifest/manifest.ts';
import { mmdebstrapArgs, type RootPaths } from '../plan/debian-root.ts';
import { ipxeScript, kernelCommandLine } from '../plan/kernel-command-line.ts';
import { publicKeyPem } from '../sign/key-files.ts';
import { signVersionDirectory } from '../sign/sign-manifest.ts';
import type { BootKind, Compression, ImageSpec } from '../spec/schema.ts';
import { rootDir, type BuildContext } from './context.ts';
import { makeDiskImage } from './disk-image.ts';
import { makeInitrd } from './initrd.ts';
import { makeLtspInitramfs } from './ltsp-initramfs.ts';
import { copyKernel, kernelVersion, trimModules } from './kernel.ts';
import { copyRoot, customizeRoot, makeDebianRoot, purgePackages } from './root.ts';
import { makeSquashfs } from './squashfs.ts';
import { checkLibraries, removePaths } from './trim.ts';

/** What the steps found or made, for the steps after them and the manifest. */
export type BuildResults = {
  cachedPackages: number;
  reusedRoot: boolean;
  kernel?: string;
  rootSize?: number;
  compression?: Compression;
  manifest?: Manifest;
};

export type BuildStep = {
  readonly name: string;
  /** The progress line: short, it is redrawn on a terminal while the step runs. */
  summary(context: BuildContext, results: BuildResults): string;
  /** What --plan says the step does (the Debian build: no --from-root). */
  plan(spec: ImageSpec, paths: RootPaths): { readonly does: string; readonly command?: readonly string[] };
  run(context: BuildContext, results: BuildResults): Promise<void>;
};

export class BudgetError extends Error {
  override readonly name = 'BudgetError';
}

/** A result an earlier step leaves; missing means the table's order is wrong, a bug. */
function earlier<Key extends keyof BuildResults>(results: BuildResults, key: Key, step: string): NonNullable<BuildResults[Key]> {
  const value = results[key];
  if (value === undefined) throw new Error(`build step ${step} runs before the step that finds the ${key}`);
  return value as NonNullable<BuildResults[Key]>;
}

const root: BuildStep = {
  name: 'root',
  summary: ({ spec, fromRoot }) =>
    fromRoot === undefined ? `Debian ${spec.debian.suite} ${spec.debian.variant} with ${spec.packages.length} packages (mmdebstrap)` : `copying ${fromRoot}`,
  plan: (spec, paths) => ({
    does: `Debian ${spec.debian.suite} ${spec.debian.variant} with ${spec.packages.length} packages`,
    command: ['mmdebstrap', ...mmdebstrapArgs(spec, paths)],
  }),
  run: async (context, results) => {
    if (context.fromRoot === undefined) Object.assign(results, await makeDebianRoot(context, context.incremental));
    else await copyRoot(context, context.fromRoot);
  },
};

const purge: BuildStep = {
  name: 'purge',
  summary: ({ spec, fromRoot }) =>
    fromRoot === undefined ? `${spec.purgePackages.length} packages the image never runs` : 'skipped: the root was made elsewhere',
  plan: (spec, paths) => ({
    does: `purge ${spec.purgePackages.join(' ')}`,
    command: ['chroot', paths.root, 'dpkg', '--purge', '--force-depends', '--force-remove-essential', '...'],
  }),
  run: async (context) => {
    if (context.fromRoot === undefined) await purgePackages(context);
  },
};

const customize: BuildStep = {
  name: 'customize',
  summary: ({ spec }) => `${spec.overlays.length} overlays, ${spec.files.length} files, ${spec.users.length} users`,
  plan: (spec) => ({
    does: `overlays ${spec.overlays.join(' ')}; files ${spec.files.map((file) => file.target).join(' ')}; users ${spec.users.map((user) => user.name).join(' ')}; templates ${spec.templates.join(' ')}`,
  }),
  run: async (context, results) => {
    customizeRoot(context);
    if (context.signingKey) writeFileSync(join(rootDir(context), imagePublicKeyPath), publicKeyPem(context.signingKey), { mode: 0o644 });
    // The root is complete: its one kernel is the image's (the kernel step's line names it).
    results.kernel = kernelVersion(rootDir(context));
  },
};

const kernel: BuildStep = {
  name: 'kernel',
  summary: ({ spec }, results) => `${earlier(results, 'kernel', 'kernel')}: vmlinuz and ${spec.kernel.modules.length} module patterns`,
  plan: (spec, paths) => ({
    does: `vmlinuz; keep ${spec.kernel.modules.length} module patterns and their dependencies`,
    command: ['depmod', '-b', paths.root, 'KERNEL'],
  }),
  run: async (context, results) => {
    const version = earlier(results, 'kernel', 'kernel');
    copyKernel(context, version);
    context.progress.note(`${await trimModules(context, version)} modules kept`);
  },
};

const initrd: BuildStep = {
  name: 'initrd',
  summary: ({ spec }) => `busybox, ${spec.kernel.initrdModules.length} module patterns, ${spec.initrd.compression}; nbd.img`,
  plan: (spec) => ({
    does: `busybox, init, ${spec.kernel.initrdModules.length} module patterns; cpio newc, ${spec.initrd.compression}; nbd.img: ${spec.initrd.nbdPrograms.join(' ')} and their libraries, cpio newc, gzip`,
  }),
  run: (context, results) => makeInitrd(context, earlier(results, 'kernel', 'initrd')),
};

/** The LTSP flavour's initrd: LTSP boots Debian's initramfs, made once the modules are trimmed. */
const ltspInitramfs: BuildStep = {
  name: 'initrd',
  summary: () => "Debian's initramfs-tools (mkinitramfs) into /boot, for LTSP",
  plan: (_spec, paths) => ({
    does: "Debian's initramfs of the trimmed modules (the flavour's /etc/initramfs-tools), in /boot for ltsp kernel, copied to initrd.img",
    command: ['chroot', paths.root, 'mkinitramfs', '-o', '/boot/initrd.img-KERNEL', 'KERNEL'],
  }),
  run: (context, results) => makeLtspInitramfs(context, earlier(results, 'kernel', 'initrd')),
};

const trim: BuildStep = {
  name: 'trim',
  summary: ({ spec }) => `${spec.removePaths.length} path patterns, then a library check`,
  plan: (spec) => ({ does: `remove ${spec.removePaths.length} path patterns; check every ELF file's libraries` }),
  run: async (context) => {
    context.progress.note(`${removePaths(context)} paths removed`);
    await checkLibraries(context);
  },
};

const squashfs: BuildStep = {
  name: 'squashfs',
  summary: ({ spec, fast }) => (fast ? `${spec.squashfs.fastCompression} (fast build)` : spec.squashfs.compression),
  plan: (spec) => ({
    does: `mksquashfs, ${spec.squashfs.compression}${spec.squashfs.level === undefined ? '' : ` level ${spec.squashfs.level}`} (--fast: ${spec.squashfs.fastCompression}), ${spec.squashfs.blockSizeKiB} KiB blocks`,
  }),
  run: async (context, results) => {
    results.compression = await makeSquashfs(context);
    results.rootSize = statSync(join(context.outDir, 'root.squashfs')).size;
  },
};

const netboot: BuildStep = {
  name: 'netboot',
  summary: () => 'vdd.ipxe',
  plan: () => ({ does: 'vdd.ipxe' }),
  run: async (context, results) => {
    writeFileSync(join(context.outDir, 'vdd.ipxe'), ipxeScript(context.spec, context.version, earlier(results, 'rootSize', 'netboot')));
  },
};

const disk: BuildStep = {
  name: 'disk',
  summary: () => 'vdd-thin.img: BIOS and UEFI boot, VDDBOOT config partition, A/B roots',
  plan: (spec) => ({
    does: `vdd-thin.img: MBR, FAT VDDBOOT ${spec.disk.bootPartitionMiB} MiB (syslinux, systemd-boot, vdd.conf), roots A and B of ${spec.disk.rootSlotMiB} MiB`,
    command: ['sfdisk', 'mkfs.fat', 'mcopy', 'syslinux'],
  }),
  run: async (context, results) => {
    await makeDiskImage(context, earlier(results, 'rootSize', 'disk'));
  },
};

const manifest: BuildStep = {
  name: 'manifest',
  summary: () => 'sha256 and size of every artifact',
  plan: (spec) => ({ does: `sha256 and size of every artifact; payload budget ${spec.payloadBudgetMiB} MiB` }),
  run: async (context, results) => {
    const { spec, progress } = context;
    const rootSize = earlier(results, 'rootSize', 'manifest');
    const artifacts = await describeArtifacts(context.outDir, spec.boot);
    // The manifest records every step's time, its own included.
    progress.finishStep();
    const written: Manifest = {
      format: 1,
      name: spec.name,
      version: context.version,
      created: new Date().toISOString(),
      kernel: earlier(results, 'kernel', 'manifest'),
      netbootCommandLine: kernelCommandLine(spec, { kind: 'http', url: '${vdd-base}root.squashfs', size: rootSize }),
      squashfsCompression: earlier(results, 'compression', 'manifest'),
      // Only where it is not vdd: launchers in the field read manifests strictly, and an unknown key would make them refuse an update.
      ...(spec.boot === 'ltsp' ? { boot: spec.boot } : {}),
      payloadBytes: payloadBytes(artifacts),
      payloadBudgetBytes: spec.payloadBudgetMiB * 1024 * 1024,
      artifacts,
      build: {
        seconds: (Date.now() - progress.started) / 1000,
        cachedPackages: results.cachedPackages,
        reusedRoot: results.reusedRoot,
        steps: progress.timings,
      },
    };
    writeManifest(context.outDir, written);
    if (context.signingKey) progress.note(`manifest.json signed with key ${signVersionDirectory(context.outDir, context.signingKey).fingerprint}`);
    const overBudget = written.payloadBytes > written.payloadBudgetBytes;
    const payloadText = `payload (vmlinuz + initrd.img + root.squashfs) ${(written.payloadBytes / 2 ** 20).toFixed(1)} MiB, budget ${spec.payloadBudgetMiB} MiB`;
    progress.note(payloadText);
    if (overBudget && !context.fast) throw new BudgetError(`${payloadText}: over budget`);
    if (overBudget) progress.note('over budget with the fast compression; release builds (without --fast) must fit');
    results.manifest = written;
  },
};

/** The image's build, in order, for each boot kind (the spec's boot): the LTSP flavour boots through LTSP's iPXE script, initramfs and server, so it has no vdd.ipxe or disk image. */
export const imageBuildSteps: Readonly<Record<BootKind, readonly BuildStep[]>> = {
  vdd: [root, purge, customize, kernel, initrd, trim, squashfs, netboot, disk, manifest],
  ltsp: [root, purge, customize, kernel, ltspInitramfs, trim, squashfs, manifest],
};

export type PlannedStep = { readonly step: string; readonly does: string; readonly command?: readonly string[] };

/** What `vdd-image build --plan` prints: each step and its command, nothing run. */
export function buildPlan(steps: readonly BuildStep[], spec: ImageSpec, paths: RootPaths): PlannedStep[] {
  return steps.map((step) => ({ step: step.name, ...step.plan(spec, paths) }));
}
