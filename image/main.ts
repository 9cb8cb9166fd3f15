// vdd-image entry point: parses the command line and runs the command the table names
// (cli/commands.ts: build, boot, keygen, sign, verify, publish, rollback, list, ltsp, flash).
import { fileURLToPath } from 'node:url';
import { UsageError } from '../common/cli/command-line.ts';
import { sharedExitCodes as exitCodes } from '../common/exit-codes.ts';
import { stripControls } from '../common/text/terminal-safe.ts';
import { version } from '../common/version.ts';
import type { ImagePaths } from './cli/command.ts';
import { findImageCommand, imageCommands } from './cli/commands.ts';
import { imageCommandHelp, imageHelp } from './cli/help.ts';
import { globalImageOptions, parseImageCommandLine, type ImageOptionName } from './cli/options.ts';

const paths: ImagePaths = {
  outRoot: fileURLToPath(new URL('../dist/image', import.meta.url)),
  cacheDir: fileURLToPath(new URL('../.cache/image', import.meta.url)),
};

async function main(args: readonly string[]): Promise<number> {
  const { command: name, operands, options } = parseImageCommandLine(args);
  if (options.version) {
    process.stdout.write(options.json ? `${JSON.stringify({ version: version })}\n` : `vdd-image ${version}\n`);
    return exitCodes.ok;
  }
  if (name === undefined) {
    process.stdout.write(imageHelp());
    return options.help ? exitCodes.ok : exitCodes.usage;
  }
  const command = findImageCommand(name);
  if (command === undefined) throw new UsageError(`unknown command '${name}'; commands: ${imageCommands.map(({ name }) => name).join(', ')}`);
  if (options.help) {
    process.stdout.write(imageCommandHelp(command));
    return exitCodes.ok;
  }
  const allowed = new Set<ImageOptionName>([...globalImageOptions, ...command.options]);
  const stray = (Object.keys(options) as ImageOptionName[]).find((option) => !allowed.has(option));
  if (stray) throw new UsageError(`${name}: option --${stray} does not apply to this command`);
  if (command.operand === undefined && operands.length > 0) throw new UsageError(`${name}: unexpected operand '${operands[0]}'`);
  return command.run({ operands, options, paths });
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
