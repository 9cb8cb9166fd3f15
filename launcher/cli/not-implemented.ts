// Placeholder run() for subcommands whose issue has not landed yet.
import type { CommandContext } from './command.ts';
import { exitCodes } from './exit-codes.ts';

export function notImplemented(name: string) {
  return async ({ stderr }: CommandContext): Promise<number> => {
    stderr.write(`vdd-launcher ${name}: not implemented yet\n`);
    return exitCodes.notImplemented;
  };
}
