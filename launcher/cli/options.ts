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
  upload: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean', short: 'V' },
} as const satisfies ParseArgsOptionsConfig;

export type OptionName = keyof typeof optionSpecs;
export type ParsedOptions = ReturnType<typeof parseArgs<{ options: typeof optionSpecs; allowPositionals: true; strict: true }>>['values'];

export type CommandLine = { readonly command: string | undefined; readonly operands: readonly string[]; readonly options: ParsedOptions };

/** A bad command line; programs print it with a pointer to --help and exit with status 2. */
export class UsageError extends Error {}

/** `COMMAND [OPERAND...] [OPTIONS]`, parsed strictly against specs (shared by vdd-launcher, vdd-broker and vdd-image). */
export function parseSubcommandLine<const Specs extends ParseArgsOptionsConfig>(args: readonly string[], specs: Specs) {
  let parsed;
  try {
    parsed = parseArgs({ args: [...args], options: specs, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError((error as Error).message.replace(/\. To specify a positional argument.*$/s, ''));
  }
  const [command, ...operands] = parsed.positionals;
  return { command, operands, options: parsed.values };
}

export function parseCommandLine(args: readonly string[]): CommandLine {
  return parseSubcommandLine(args, optionSpecs);
}

/** Options every command accepts. */
export const globalOptions: readonly OptionName[] = ['config', 'disk-config', 'cmdline', 'broker', 'set', 'mac', 'ip', 'hostname', 'help', 'version'];
