// What every build step gets: the spec, the build's choices, where things go, the progress
// display and log.
import type { KeyObject } from 'node:crypto';
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
  /** Reuse the installed tree of an earlier build with the same packages. */
  readonly incremental: boolean;
  /** A root tree made elsewhere, used instead of one built from Debian packages. */
  readonly fromRoot: string | undefined;
  /** Signs manifest.json; its public key goes into the root at /etc/vdd/image-key.pub, which updates must be signed with. */
  readonly signingKey: KeyObject | undefined;
  readonly progress: BuildProgress;
};

export const rootDir = (context: BuildContext): string => `${context.workDir}/root`;
