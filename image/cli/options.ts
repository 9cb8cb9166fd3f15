// vdd-image's command line: subcommand, options, strict parsing. Which command takes which
// option is in the command table (commands.ts).
import type { parseArgs, ParseArgsOptionsConfig } from 'node:util';
import { parseSubcommandLine, UsageError } from '../../common/cli/command-line.ts';

export const imageOptionSpecs = {
  spec: { type: 'string' },
  flavor: { type: 'string' },
  out: { type: 'string' },
  'image-version': { type: 'string' },
  fast: { type: 'boolean' },
  incremental: { type: 'boolean' },
  backend: { type: 'string' },
  plan: { type: 'boolean' },
  'from-root': { type: 'string' },
  net: { type: 'boolean' },
  disk: { type: 'boolean' },
  kernel: { type: 'boolean' },
  uefi: { type: 'boolean' },
  mem: { type: 'string' },
  accel: { type: 'string' },
  key: { type: 'string' },
  force: { type: 'boolean' },
  root: { type: 'string' },
  from: { type: 'string' },
  keep: { type: 'string' },
  to: { type: 'string' },
  device: { type: 'string' },
  file: { type: 'string' },
  image: { type: 'string' },
  config: { type: 'string' },
  'client-cert': { type: 'string' },
  'client-key': { type: 'string' },
  'base-dir': { type: 'string' },
  name: { type: 'string' },
  'ltsp-conf': { type: 'string' },
  broker: { type: 'string' },
  'kernel-parameters': { type: 'string' },
  nbd: { type: 'boolean' },
  mac: { type: 'string' },
  'make-default': { type: 'boolean' },
  apply: { type: 'boolean' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean', short: 'V' },
} as const satisfies ParseArgsOptionsConfig;

export type ImageOptionName = keyof typeof imageOptionSpecs;
export type ImageOptions = ReturnType<typeof parseArgs<{ options: typeof imageOptionSpecs; allowPositionals: true; strict: true }>>['values'];

export function parseImageCommandLine(args: readonly string[]): { command: string | undefined; operands: string[]; options: ImageOptions } {
  return parseSubcommandLine(args, imageOptionSpecs);
}

/** Options every command accepts. */
export const globalImageOptions: readonly ImageOptionName[] = ['help', 'version'];

export function parseMemory(text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  if (!/^[0-9]{2,5}$/.test(text) || Number(text) < 64 || Number(text) > 65536) throw new UsageError(`--mem ${text}: expected MiB between 64 and 65536`);
  return Number(text);
}
