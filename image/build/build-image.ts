// vdd-image build: runs the build steps (build-steps.ts) in order and leaves dist/image/VERSION/ with the
// artifacts and manifest.json, or nothing new at all when a step fails (the log stays).
import type { KeyObject } from 'node:crypto';
import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { versionPattern, type Manifest } from '../../common/manifest/manifest.ts';
import type { LoadedSpec } from '../spec/load.ts';
import { imageBuildSteps, type BuildResults } from './build-steps.ts';
import type { BuildContext } from './context.ts';
import { BuildProgress, type ProgressOutput } from './progress.ts';

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

export async function buildImage(options: BuildOptions): Promise<{ manifest: Manifest; dir: string; logPath: string }> {
  const { spec, baseDir } = options.loaded;
  if (!versionPattern.test(options.version)) throw new Error(`image version "${options.version}" must be 1-64 letters, digits, ".", "+", "_" or "-"`);
  const finalDir = join(options.outRoot, options.version);
  const outDir = join(options.outRoot, `.${options.version}.partial`);
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  const steps = imageBuildSteps[spec.boot];
  const progress = new BuildProgress(join(outDir, 'build.log'), options.output, steps.length);
  const context: BuildContext = {
    spec,
    baseDir,
    version: options.version,
    outDir,
    workDir: join(options.cacheDir, 'work'),
    packageCache: join(options.cacheDir, 'debs'),
    rootCache: join(options.cacheDir, 'roots'),
    fast: options.fast,
    incremental: options.incremental ?? false,
    fromRoot: options.fromRoot,
    signingKey: options.signingKey,
    progress,
  };
  mkdirSync(context.workDir, { recursive: true });
  try {
    const results: BuildResults = { cachedPackages: 0, reusedRoot: false };
    for (const step of steps) {
      progress.step(step.name, step.summary(context, results));
      await step.run(context, results);
    }
    if (results.manifest === undefined) throw new Error('the build steps wrote no manifest');
    await progress.close();
    if (existsSync(finalDir)) rmSync(finalDir, { recursive: true, force: true });
    renameSync(outDir, finalDir);
    return { manifest: results.manifest, dir: finalDir, logPath: join(finalDir, 'build.log') };
  } catch (error) {
    progress.logLine(`FAILED: ${(error as Error).message}`);
    await progress.close();
    throw Object.assign(error as Error, { logPath: progress.logPath });
  }
}
