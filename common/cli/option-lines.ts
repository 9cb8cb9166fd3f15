// The options part of a --help text, aligned in two columns: `-h, --help  show help`. Each
// program documents its options once (name -> argument and text) and prints them from there.
import type { ParseArgsOptionsConfig } from 'node:util';

export type OptionDoc = { readonly argument?: string; readonly text: string };

/** The options every program has, said the same way in each. */
export const commonOptionDocs = {
  json: { text: 'print machine-readable JSON' },
  help: { text: 'show help and exit' },
  version: { text: 'show the version and exit' },
} as const satisfies Record<string, OptionDoc>;

export function optionLines<Name extends string>(
  names: readonly Name[],
  specs: ParseArgsOptionsConfig & Record<Name, unknown>,
  docs: Readonly<Record<Name, OptionDoc>>,
): string[] {
  const rows = names.map((name) => {
    const short = specs[name]?.short;
    const doc = docs[name];
    return [`${short === undefined ? '    ' : `-${short}, `}--${name}${doc.argument ? ` ${doc.argument}` : ''}`, doc.text] as const;
  });
  const width = Math.max(...rows.map(([flag]) => flag.length));
  return rows.map(([flag, text]) => `  ${flag.padEnd(width)}  ${text}`);
}
