// `COMMAND [OPERAND...] [OPTIONS]`, parsed strictly: the one command-line parser of vdd-launcher,
// vdd-broker and vdd-image. A bad line is a UsageError, which each program prints with a pointer
// to --help and exit status 2 (exitCodes.usage).
import { parseArgs, type ParseArgsOptionsConfig } from 'node:util';

export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export function parseSubcommandLine<const Specs extends ParseArgsOptionsConfig>(args: readonly string[], specs: Specs) {
  const parse = () => parseArgs({ args: [...args], options: specs, allowPositionals: true, strict: true });
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse();
  } catch (error) {
    throw new UsageError((error as Error).message.replace(/\. To specify a positional argument.*$/s, ''), { cause: error });
  }
  const [command, ...operands] = parsed.positionals;
  return { command, operands, options: parsed.values };
}
