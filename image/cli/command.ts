// What a vdd-image command is: how it is called (each form with its help), the options and
// operand it takes, and how it runs.
import type { ImageOptionName, ImageOptions } from './options.ts';

/** Where versions are written by default and what build keeps between runs (keys, packages). */
export type ImagePaths = { readonly outRoot: string; readonly cacheDir: string };

export type ImageCommandContext = {
  readonly operands: readonly string[];
  readonly options: ImageOptions;
  readonly paths: ImagePaths;
};

export type ImageCommand = {
  readonly name: string;
  /** Each way to call the command (a synopsis, `build --plan` beside `build`) and what it does so. */
  readonly usage: readonly { readonly synopsis: string; readonly help: string }[];
  /** Options it accepts besides --help. */
  readonly options: readonly ImageOptionName[];
  /** The operand it takes (sign DIR, verify DIR), which the command checks; without one, none. */
  readonly operand?: string;
  run(context: ImageCommandContext): Promise<number> | number;
};
