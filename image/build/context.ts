// What every build step gets: the spec, where things go, the progress display and log.
import type { ImageSpec } from '../spec/schema.ts';
import type { BuildProgress } from './progress.ts';

export type BuildContext = {
  readonly spec: ImageSpec;
  /** Directory of the spec file: overlays and files are relative to it. */
  readonly baseDir: string;
  readonly version: string;
  /** Artifacts are written here (renamed to dist/image/VERSION when the build succeeds). */
  readonly outDir: string;
  /** Scratch space: the root tree, the initrd tree, the boot partition's files. */
  readonly workDir: string;
  readonly packageCache: string;
  /** Installed trees kept for incremental builds. */
  readonly rootCache: string;
  /** Fast compression for tests; the payload budget is then reported, not enforced. */
  readonly fast: boolean;
  readonly progress: BuildProgress;
};

export const rootDir = (context: BuildContext): string => `${context.workDir}/root`;
