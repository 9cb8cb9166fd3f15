// vdd-launcher's command line: its options, parsed strictly by the shared parser.
import type { parseArgs, ParseArgsOptionsConfig } from 'node:util';
import { parseSubcommandLine } from '../../common/cli/command-line.ts';

export const optionSpecs = {
  config: { type: 'string', short: 'c' },
  'disk-config': { type: 'string' },
  cmdline: { type: 'string' },
  'ltsp-conf': { type: 'string' },
  broker: { type: 'string', short: 'b', multiple: true },
  set: { type: 'string', short: 's', multiple: true },
  mac: { type: 'string' },
  ip: { type: 'string', multiple: true },
  hostname: { type: 'string' },
  json: { type: 'boolean' },
  explain: { type: 'boolean' },
  check: { type: 'boolean' },
  'dry-run': { type: 'boolean' },
  exec: { type: 'boolean' },
  upload: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean', short: 'V' },
} as const satisfies ParseArgsOptionsConfig;

export type OptionName = keyof typeof optionSpecs;
export type ParsedOptions = ReturnType<typeof parseArgs<{ options: typeof optionSpecs; allowPositionals: true; strict: true }>>['values'];

export type CommandLine = { readonly command: string | undefined; readonly operands: readonly string[]; readonly options: ParsedOptions };

export function parseCommandLine(args: readonly string[]): CommandLine {
  return parseSubcommandLine(args, optionSpecs);
}

/** Options every command accepts. */
export const globalOptions: readonly OptionName[] = [
  'config',
  'disk-config',
  'ltsp-conf',
  'cmdline',
  'broker',
  'set',
  'mac',
  'ip',
  'hostname',
  'help',
  'version',
];
