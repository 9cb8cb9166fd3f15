// What a subcommand is: its help text, the options and operands it takes, and how it runs.
import type { LoadedConfig } from '../config/load.ts';
import type { CommandLine, OptionName } from './options.ts';

export type Output = { write(text: string): void };

export type CommandContext = {
  readonly line: CommandLine;
  readonly stdout: Output;
  readonly stderr: Output;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Loads (once) and returns the configuration; problems are the caller's to show. */
  config(): LoadedConfig;
};

export type Command = {
  readonly name: string;
  readonly synopsis: string;
  readonly summary: string;
  readonly description: string;
  readonly options: readonly OptionName[];
  readonly operands: { readonly min: number; readonly max: number };
  run(context: CommandContext): Promise<number>;
};
