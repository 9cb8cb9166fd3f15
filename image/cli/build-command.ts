// vdd-image build: the image from the spec (root only), or with --plan the steps it would run
// (Debian) or the Gentoo recipe of the same image, printed without building anything.
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { UsageError } from '../../common/cli/command-line.ts';
import { sharedExitCodes as exitCodes } from '../../common/exit-codes.ts';
import { version } from '../../common/version.ts';
import { buildImage } from '../build/build-image.ts';
import { buildPlan, imageBuildSteps } from '../build/build-steps.ts';
import { gentooRecipe } from '../plan/gentoo-recipe.ts';
import { loadSpec } from '../spec/load.ts';
import type { ImageCommandContext } from './command.ts';
import { buildSigningKey } from './key-commands.ts';

export const defaultSpec = fileURLToPath(new URL('../vdd-thin.json', import.meta.url));

export async function build({ options, paths }: ImageCommandContext): Promise<number> {
  const loaded = loadSpec(options.spec ?? defaultSpec, options.flavor);
  const backend = options.backend ?? 'debian';
  if (backend !== 'debian' && backend !== 'gentoo') throw new UsageError(`--backend ${backend}: expected debian or gentoo`);
  if (backend === 'gentoo') {
    if (!options.plan)
      throw new UsageError('--backend gentoo only prints the recipe: add --plan, run it on a Gentoo host, then vdd-image build --from-root ROOT');
    const recipe = gentooRecipe(loaded.spec, '/var/tmp/vdd-thin-root');
    if (options.json) process.stdout.write(`${JSON.stringify(recipe, null, 2)}\n`);
    else {
      for (const file of recipe.files) process.stdout.write(`# ${file.path}\n${file.text}\n`);
      process.stdout.write(`# commands\n${recipe.commands.map((command) => command.join(' ')).join('\n')}\n`);
    }
    return exitCodes.ok;
  }
  if (options.plan) {
    const plan = buildPlan(imageBuildSteps[loaded.spec.boot], loaded.spec, {
      root: join(paths.cacheDir, 'work/root'),
      packageCache: join(paths.cacheDir, 'debs'),
    });
    if (options.json) process.stdout.write(`${JSON.stringify(plan, null, 2)}\n`);
    else for (const step of plan) process.stdout.write(`${step.step}: ${step.does}\n${step.command ? `  ${step.command.join(' ')}\n` : ''}`);
    return exitCodes.ok;
  }
  if (process.getuid?.() !== 0) throw new Error('build needs root (mmdebstrap --mode=root, chroot, file ownership)');
  const signingKey = buildSigningKey(options, paths, (line) => process.stderr.write(`vdd-image build: ${line}\n`));
  const result = await buildImage({
    loaded,
    version: options['image-version'] ?? version,
    outRoot: options.out ?? paths.outRoot,
    cacheDir: paths.cacheDir,
    fast: options.fast ?? false,
    incremental: options.incremental ?? false,
    fromRoot: options['from-root'],
    output: process.stderr,
    signingKey,
  });
  if (options.json) process.stdout.write(`${JSON.stringify({ dir: result.dir, log: result.logPath, manifest: result.manifest }, null, 2)}\n`);
  else process.stdout.write(`${result.dir}\n`);
  return exitCodes.ok;
}
