// vdd-launcher entry point: parses the command line and dispatches to a subcommand.
import type { LoadedConfig } from './config/load.ts';
import type { CommandContext, Output } from './cli/command.ts';
import { commands, defaultCommand, findCommand } from './cli/commands.ts';
import { exitCodes } from './cli/exit-codes.ts';
import { commandHelp, mainHelp } from './cli/help.ts';
import { loadConfigFromCommandLine } from './cli/load-config.ts';
import { UsageError } from '../common/cli/command-line.ts';
import { globalOptions, parseCommandLine, type CommandLine, type OptionName } from './cli/options.ts';
import { stripControls } from '../common/text/terminal-safe.ts';
import { version } from '../common/version.ts';

export type Io = { readonly stdout: Output; readonly stderr: Output; readonly env: Readonly<Record<string, string | undefined>> };

export async function main(args: readonly string[], io: Io): Promise<number> {
  try {
    return await dispatch(parseCommandLine(args), io);
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr.write(`vdd-launcher: ${stripControls(error.message)}\nTry 'vdd-launcher --help'.\n`);
      return exitCodes.usage;
    }
    io.stderr.write(`vdd-launcher: ${stripControls(error instanceof Error ? error.message : String(error))}\n`);
    return exitCodes.failure;
  }
}

async function dispatch(line: CommandLine, io: Io): Promise<number> {
  const { options } = line;
  if (options.version) {
    io.stdout.write(
      options.json ? `${JSON.stringify({ version, node: process.versions.node })}\n` : `vdd-launcher ${version} (node ${process.versions.node})\n`,
    );
    return exitCodes.ok;
  }
  const name = line.command ?? defaultCommand;
  const command = findCommand(name);
  if (!command) throw new UsageError(`unknown command '${name}'; commands: ${commands.map((c) => c.name).join(', ')}`);
  if (options.help) {
    io.stdout.write(line.command === undefined ? mainHelp() : commandHelp(command));
    return exitCodes.ok;
  }
  const allowed = new Set<OptionName>([...globalOptions, ...command.options]);
  const stray = (Object.keys(options) as OptionName[]).find((option) => !allowed.has(option));
  if (stray) throw new UsageError(`${name}: option --${stray} does not apply to this command`);
  if (line.operands.length < command.operands.min) throw new UsageError(`${name}: missing operand; usage: vdd-launcher ${command.synopsis}`);
  if (line.operands.length > command.operands.max) throw new UsageError(`${name}: unexpected operand '${line.operands[command.operands.max]}'`);

  let loaded: LoadedConfig | undefined;
  const context: CommandContext = {
    line,
    stdout: io.stdout,
    stderr: io.stderr,
    env: io.env,
    config: () => (loaded ??= loadConfigFromCommandLine(options, io.env)),
  };
  return command.run(context);
}
