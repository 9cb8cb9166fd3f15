// vdd-image entry point: parses the command line and runs the command (build, boot, keygen,
// sign, verify, publish, rollback, list).
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stripControls } from '../common/text/terminal-safe.ts';
import { bootImage } from './boot/boot-image.ts';
import { buildImage } from './build/build-image.ts';
import { flash } from './cli/flash-command.ts';
import { imageHelp } from './cli/help.ts';
import { buildSigningKey, keygen, sign, verify } from './cli/key-commands.ts';
import { list, publish, rollback } from './cli/publish-commands.ts';
import { UsageError } from '../common/cli/command-line.ts';
import { sharedExitCodes as exitCodes } from '../common/exit-codes.ts';
import { version } from '../common/version.ts';
import { commandOptions, parseImageCommandLine, parseMemory, type ImageOptionName, type ImageOptions } from './cli/options.ts';
import { debianBuildPlan } from './plan/debian-root.ts';
import { gentooRecipe } from './plan/gentoo-recipe.ts';
import { loadSpec } from './spec/load.ts';

const repository = fileURLToPath(new URL('..', import.meta.url));
export const defaultSpec = join(repository, 'image/vdd-thin.json');
export const defaultOutRoot = join(repository, 'dist/image');
export const defaultCacheDir = join(repository, '.cache/image');

async function main(args: readonly string[]): Promise<number> {
  const { command, operands, options } = parseImageCommandLine(args);
  if (options.version) {
    process.stdout.write(options.json ? `${JSON.stringify({ version: version })}\n` : `vdd-image ${version}\n`);
    return exitCodes.ok;
  }
  if (options.help || command === undefined) {
    process.stdout.write(imageHelp);
    return command === undefined && !options.help ? 2 : 0;
  }
  const allowed = commandOptions[command];
  if (allowed === undefined) throw new UsageError(`unknown command '${command}'; commands: ${Object.keys(commandOptions).join(', ')}`);
  const stray = (Object.keys(options) as ImageOptionName[]).find((option) => !allowed.includes(option));
  if (stray) throw new UsageError(`${command}: option --${stray} does not apply to this command`);
  const paths = { outRoot: defaultOutRoot, cacheDir: defaultCacheDir };
  // keygen, sign and verify check their own operands (sign and verify take a directory).
  if (command === 'keygen') return keygen(operands, options, paths);
  if (command === 'sign') return sign(operands, options, paths);
  if (command === 'verify') return verify(operands, options, paths);
  if (operands.length > 0) throw new UsageError(`${command}: unexpected operand '${operands[0]}'`);
  if (command === 'publish') return publish(options, paths);
  if (command === 'rollback') return rollback(options, paths);
  if (command === 'list') return list(options);
  if (command === 'flash') return flash(options, { outRoot: defaultOutRoot });
  return command === 'build' ? build(options) : boot(options);
}

async function build(options: ImageOptions): Promise<number> {
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
    const plan = debianBuildPlan(loaded.spec, { root: join(defaultCacheDir, 'work/root'), packageCache: join(defaultCacheDir, 'debs') });
    if (options.json) process.stdout.write(`${JSON.stringify(plan, null, 2)}\n`);
    else for (const step of plan) process.stdout.write(`${step.step}: ${step.does}\n${step.command ? `  ${step.command.join(' ')}\n` : ''}`);
    return exitCodes.ok;
  }
  if (process.getuid?.() !== 0) throw new Error('build needs root (mmdebstrap --mode=root, chroot, file ownership)');
  const signingKey = buildSigningKey(options, { outRoot: defaultOutRoot, cacheDir: defaultCacheDir }, (line) =>
    process.stderr.write(`vdd-image build: ${line}\n`),
  );
  const result = await buildImage({
    loaded,
    version: options['image-version'] ?? version,
    outRoot: options.out ?? defaultOutRoot,
    cacheDir: defaultCacheDir,
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

async function boot(options: ImageOptions): Promise<number> {
  if ([options.net, options.disk, options.kernel].filter(Boolean).length > 1) throw new UsageError('boot: choose one of --net, --kernel and --disk');
  if (options.uefi && !options.disk) throw new UsageError('boot: --uefi applies to --disk');
  const accel = options.accel ?? 'auto';
  if (accel !== 'auto' && accel !== 'kvm' && accel !== 'tcg') throw new UsageError(`--accel ${accel}: expected auto, kvm or tcg`);
  return bootImage({
    outRoot: options.out ?? defaultOutRoot,
    version: options['image-version'],
    mode: options.disk ? (options.uefi ? 'disk-uefi' : 'disk') : options.kernel ? 'kernel' : 'net',
    memoryMiB: parseMemory(options.mem, 512),
    accel,
    cacheDir: defaultCacheDir,
  });
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    if (error instanceof UsageError) {
      process.stderr.write(`vdd-image: ${stripControls(error.message)}\nTry 'vdd-image --help'.\n`);
      process.exitCode = exitCodes.usage;
      return;
    }
    const log = (error as { logPath?: string }).logPath;
    const message = String((error as Error).message ?? error)
      .split('\n')
      .map(stripControls)
      .join('\n');
    process.stderr.write(`\nvdd-image: ${message}\n${log ? `build log: ${log}\n` : ''}`);
    process.exitCode = exitCodes.failure;
  },
);
