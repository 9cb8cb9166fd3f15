// The command line: subcommand, positionals and options, parsed strictly.
import { parseArgs, type ParseArgsOptionsConfig } from 'node:util';

export const optionSpecs = {
  config: { type: 'string', short: 'c' },
  'disk-config': { type: 'string' },
  cmdline: { type: 'string' },
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
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean', short: 'V' },
} as const satisfies ParseArgsOptionsConfig;

export type OptionName = keyof typeof optionSpecs;
export type ParsedOptions = ReturnType<typeof parseArgs<{ options: typeof optionSpecs; allowPositionals: true; strict: true }>>['values'];

export type CommandLine = { readonly command: string | undefined; readonly operands: readonly string[]; readonly options: ParsedOptions };

export class UsageError extends Error {}

export function parseCommandLine(args: readonly string[]): CommandLine {
  let parsed;
  try {
    parsed = parseArgs({ args: [...args], options: optionSpecs, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError((error as Error).message.replace(/\. To specify a positional argument.*$/s, ''));
  }
  const [command, ...operands] = parsed.positionals;
  return { command, operands, options: parsed.values };
}

/** Options every command accepts. */
export const globalOptions: readonly OptionName[] = ['config', 'disk-config', 'cmdline', 'broker', 'set', 'mac', 'ip', 'hostname', 'help', 'version'];
