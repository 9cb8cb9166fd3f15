// Help texts for vdd-launcher and each subcommand.
import { exitCodes } from './exit-codes.ts';
import type { Command } from './command.ts';
import { commands } from './commands.ts';
import { optionLines as alignedOptionLines } from '../../common/cli/option-lines.ts';
import { optionDocs } from './option-docs.ts';
import { globalOptions, optionSpecs, type OptionName } from './options.ts';

const optionLines = (names: readonly OptionName[]) => alignedOptionLines(names, optionSpecs, optionDocs);

export function mainHelp(): string {
  const width = Math.max(...commands.map((command) => command.synopsis.length));
  return [
    'Usage: vdd-launcher [COMMAND] [OPTIONS]',
    '',
    "Finds the site's VDD broker, shows a menu of the desktops (guest operating systems running",
    'as virtual machines) and starts the one chosen: X over XDMCP, or an X server and a VNC viewer.',
    '',
    'Commands:',
    ...commands.map((command) => `  ${command.synopsis.padEnd(width)}  ${command.summary}`),
    '',
    'Options for every command:',
    ...optionLines(globalOptions),
    '',
    'Configuration, lowest priority first: built-in defaults, the config file, then the flashed',
    "disk's vdd.conf (each: [common], then sections matching this MAC, IP or hostname), kernel",
    'parameters vdd.KEY=VALUE, environment variables VDD_KEY, then --broker and --set.',
    'VDD_BROKER takes a comma-separated list.',
    '',
    'Exit status:',
    ...Object.entries(exitCodes).map(([name, code]) => `  ${String(code).padStart(2)}  ${exitCodeText[name as keyof typeof exitCodes]}`),
    '',
    "'vdd-launcher COMMAND --help' describes one command; the manual is docs/vdd-launcher.md.",
    '',
  ].join('\n');
}

export function commandHelp(command: Command): string {
  return [
    `Usage: vdd-launcher ${command.synopsis}`,
    '',
    command.description,
    '',
    ...(command.options.length > 0 ? ['Options:', ...optionLines(command.options), ''] : []),
    'Options for every command:',
    ...optionLines(globalOptions),
    '',
  ].join('\n');
}

const exitCodeText: Record<keyof typeof exitCodes, string> = {
  ok: 'success',
  failure: 'failure (the message says why)',
  usage: 'bad command line',
  configProblems: 'config --check found problems',
  noBroker: 'no broker answered and no cached catalog exists',
  noSuchGuest: 'no guest with that id',
  sessionFailed: 'the session could not start or ended with an error',
  notImplemented: 'command not available in this version',
  internal: 'internal error (a bug: please report it with the message)',
};
