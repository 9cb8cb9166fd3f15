// Where a configuration value came from, and how that is written in messages and --explain.

export type SettingSource =
  | { readonly kind: 'default' }
  | { readonly kind: 'file'; readonly path: string; readonly line?: number; readonly section?: string; readonly layer?: 'ltsp' }
  | { readonly kind: 'cmdline'; readonly path: string }
  | { readonly kind: 'env' }
  | { readonly kind: 'flag'; readonly flag: string };

/** One KEY=value as written somewhere, before validation. `name` is how the user spelled the key. */
export type Setting = { readonly key: string; readonly name: string; readonly value: string; readonly source: SettingSource };

export type ConfigProblem = { readonly source: SettingSource; readonly name?: string; readonly message: string };

export function formatSource(source: SettingSource): string {
  switch (source.kind) {
    case 'default':
      return 'default';
    case 'file':
      return `${source.path}${source.line === undefined ? '' : `:${source.line}`}${source.section === undefined ? '' : ` [${source.section}]`}`;
    case 'cmdline':
      return `${source.path} (kernel command line)`;
    case 'env':
      return 'environment';
    case 'flag':
      return `flag ${source.flag}`;
  }
}

/** One line: where, which key, what is wrong. */
export function formatProblem(problem: ConfigProblem): string {
  return `${formatSource(problem.source)}: ${problem.name === undefined ? '' : `${problem.name}: `}${problem.message}`;
}
