// vdd-image build: runs the spec's steps in order and leaves dist/image/VERSION/ with the
// artifacts and manifest.json, or nothing new at all when a step fails (the log stays).
import type { KeyObject } from 'node:crypto';
import { existsSync, mkdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ipxeScript, kernelCommandLine } from '../plan/kernel-command-line.ts';
import type { LoadedSpec } from '../spec/load.ts';
import { rootDir, type BuildContext } from './context.ts';
import { makeDiskImage } from './disk-image.ts';
import { makeInitrd } from './initrd.ts';
import { makeLtspInitramfs } from './ltsp-initramfs.ts';
import { copyKernel, kernelVersion, trimModules } from './kernel.ts';
import { describeArtifacts, payloadBytes, versionPattern, writeManifest, type Manifest } from '../../common/manifest/manifest.ts';
import { BuildProgress, type ProgressOutput } from './progress.ts';
import { copyRoot, customizeRoot, makeDebianRoot, purgePackages } from './root.ts';
import { makeSquashfs } from './squashfs.ts';
import { checkLibraries, removePaths } from './trim.ts';
import { publicKeyPem } from '../sign/key-files.ts';
import { signVersionDirectory } from '../sign/sign-manifest.ts';
import { imagePublicKeyPath } from '../../common/manifest/manifest-signature.ts';

export type BuildOptions = {
  readonly loaded: LoadedSpec;
  readonly version: string;
  /** dist/image: the version's directory is made inside it. */
  readonly outRoot: string;
  /** .cache/image: package cache and scratch space. */
  readonly cacheDir: string;
  readonly fast: boolean;
  /** Reuse the installed tree of an earlier build with the same packages. */
  readonly incremental?: boolean;
  /** Use this root tree instead of building one from Debian packages. */
  readonly fromRoot?: string | undefined;
  readonly output: ProgressOutput;
  /** Signs manifest.json; its public key goes into the root at /etc/vdd/image-key.pub, which updates must be signed with. */
  readonly signingKey?: KeyObject | undefined;
};

export class BudgetError extends Error {}

const stepCount = 10;

export async function buildImage(options: BuildOptions): Promise<{ manifest: Manifest; dir: string; logPath: string }> {
  const { spec, baseDir } = options.loaded;
  if (!versionPattern.test(options.version)) throw new Error(`image version "${options.version}" must be 1-64 letters, digits, ".", "+", "_" or "-"`);
  const finalDir = join(options.outRoot, options.version);
  const outDir = join(options.outRoot, `.${options.version}.partial`);
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  const progress = new BuildProgress(join(outDir, 'build.log'), options.output, stepCount);
  const context: BuildContext = {
    spec,
    baseDir,
    version: options.version,
    outDir,
    workDir: join(options.cacheDir, 'work'),
    packageCache: join(options.cacheDir, 'debs'),
    rootCache: join(options.cacheDir, 'roots'),
    fast: options.fast,
    progress,
  };
  mkdirSync(context.workDir, { recursive: true });
  try {
    let cachedPackages = 0;
    let reusedRoot = false;
    if (options.fromRoot === undefined) {
      progress.step('root', `Debian ${spec.debian.suite} ${spec.debian.variant} with ${spec.packages.length} packages (mmdebstrap)`);
      ({ cachedPackages, reusedRoot } = await makeDebianRoot(context, options.incremental ?? false));
      progress.step('purge', `${spec.purgePackages.length} packages the image never runs`);
      await purgePackages(context);
    } else {
      progress.step('root', `copying ${options.fromRoot}`);
      await copyRoot(context, options.fromRoot);
      progress.step('purge', 'skipped: the root was made elsewhere');
    }
    progress.step('customize', `${spec.overlays.length} overlays, ${spec.files.length} files, ${spec.users.length} users`);
    customizeRoot(context);
    if (options.signingKey) writeFileSync(join(rootDir(context), imagePublicKeyPath), publicKeyPem(options.signingKey), { mode: 0o644 });
    const kernel = kernelVersion(rootDir(context));
    progress.step('kernel', `${kernel}: vmlinuz and ${spec.kernel.modules.length} module patterns`);
    copyKernel(context, kernel);
    progress.note(`${await trimModules(context, kernel)} modules kept`);
    if (spec.boot === 'ltsp') {
      progress.step('initrd', "Debian's initramfs-tools (mkinitramfs) into /boot, for LTSP");
      await makeLtspInitramfs(context, kernel);
    } else {
      progress.step('initrd', `busybox, ${spec.kernel.initrdModules.length} module patterns, ${spec.initrd.compression}; nbd.img`);
      await makeInitrd(context, kernel);
    }
    progress.step('trim', `${spec.removePaths.length} path patterns, then a library check`);
    progress.note(`${removePaths(context)} paths removed`);
    await checkLibraries(context);
    progress.step('squashfs', options.fast ? `${spec.squashfs.fastCompression} (fast build)` : spec.squashfs.compression);
    const compression = await makeSquashfs(context);
    const rootSize = statSync(join(outDir, 'root.squashfs')).size;
    if (spec.boot === 'ltsp') {
      progress.step('netboot', "skipped: LTSP's iPXE script boots the LTSP flavour");
      progress.step('disk', 'skipped: the LTSP flavour is served by an LTSP server');
    } else {
      progress.step('netboot', 'vdd.ipxe');
      writeFileSync(join(outDir, 'vdd.ipxe'), ipxeScript(spec, options.version, rootSize));
      progress.step('disk', 'vdd-thin.img: BIOS and UEFI boot, VDDBOOT config partition, A/B roots');
      await makeDiskImage(context, rootSize);
    }
    progress.step('manifest', 'sha256 and size of every artifact');
    const artifacts = await describeArtifacts(outDir, spec.boot);
    progress.finishStep();
    const manifest: Manifest = {
      format: 1,
      name: spec.name,
      version: options.version,
      created: new Date().toISOString(),
      kernel,
      netbootCommandLine: kernelCommandLine(spec, { kind: 'http', url: '${vdd-base}root.squashfs', size: rootSize }),
      squashfsCompression: compression,
      // Only where it is not vdd: launchers in the field read manifests strictly, and an unknown key would make them refuse an update.
      ...(spec.boot === 'ltsp' ? { boot: spec.boot } : {}),
      payloadBytes: payloadBytes(artifacts),
      payloadBudgetBytes: spec.payloadBudgetMiB * 1024 * 1024,
      artifacts,
      build: { seconds: (Date.now() - progress.started) / 1000, cachedPackages, reusedRoot, steps: progress.timings },
    };
    writeManifest(outDir, manifest);
    if (options.signingKey) progress.note(`manifest.json signed with key ${signVersionDirectory(outDir, options.signingKey).fingerprint}`);
    const overBudget = manifest.payloadBytes > manifest.payloadBudgetBytes;
    const payloadText = `payload (vmlinuz + initrd.img + root.squashfs) ${(manifest.payloadBytes / 2 ** 20).toFixed(1)} MiB, budget ${spec.payloadBudgetMiB} MiB`;
    progress.note(payloadText);
    if (overBudget && !options.fast) throw new BudgetError(`${payloadText}: over budget`);
    if (overBudget) progress.note('over budget with the fast compression; release builds (without --fast) must fit');
    await progress.close();
    if (existsSync(finalDir)) rmSync(finalDir, { recursive: true, force: true });
    renameSync(outDir, finalDir);
    return { manifest, dir: finalDir, logPath: join(finalDir, 'build.log') };
  } catch (error) {
    progress.logLine(`FAILED: ${(error as Error).message}`);
    await progress.close();
    throw Object.assign(error as Error, { logPath: progress.logPath });
  }
}
