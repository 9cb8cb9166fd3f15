// Renders the effective configuration with the source of every value, as text or JSON.
import { stripControls } from '../../common/text/terminal-safe.ts';
import { configKeys, type ConfigKey } from '../../common/launcher-config/keys.ts';
import type { LoadedConfig } from './load.ts';
import { formatProblem, formatSource } from '../../common/launcher-config/source.ts';
import type { ValueType } from '../../common/launcher-config/value-types.ts';

function formatValue(key: ConfigKey, loaded: LoadedConfig): string {
  return (configKeys[key].type as ValueType<unknown>).format(loaded.config[key]);
}

export function explainJson(loaded: LoadedConfig): object {
  return {
    identity: loaded.identity,
    files: loaded.files,
    sections: loaded.sections,
    values: Object.fromEntries(
      (Object.keys(configKeys) as ConfigKey[]).map((key) => [
        key,
        { value: loaded.config[key], source: formatSource(loaded.origins[key]), origin: loaded.origins[key] },
      ]),
    ),
    problems: loaded.problems.map((problem) => ({ ...problem, text: formatProblem(problem) })),
  };
}

export function explainText(loaded: LoadedConfig): string {
  const keys = Object.keys(configKeys) as ConfigKey[];
  const rows = keys.map((key) => [key, formatValue(key, loaded) || '(empty)', formatSource(loaded.origins[key])] as const);
  const keyWidth = Math.max(...rows.map((row) => row[0].length));
  const valueWidth = Math.min(40, Math.max(...rows.map((row) => row[1].length)));
  const { identity } = loaded;
  const lines = [
    `client: hostname ${identity.hostname}; MAC ${identity.macs.join(', ') || 'none'}; IP ${identity.ips.join(', ') || 'none'}`,
    ...loaded.files.map((file) => `${{ config: 'config file', ltsp: 'ltsp.conf', cmdline: 'kernel command line' }[file.role]}: ${file.path} (${file.status})`),
    `sections applied: ${loaded.sections.map((use) => `[${use.section}] at line ${use.line}`).join(', ') || 'none'}`,
    '',
    ...rows.map(([key, value, source]) => `${key.padEnd(keyWidth)}  ${value.padEnd(valueWidth)}  ${source}`),
  ];
  if (loaded.problems.length > 0) lines.push('', 'problems:', ...loaded.problems.map((problem) => `  ${formatProblem(problem)}`));
  return stripControlsPerLine(lines);
}

function stripControlsPerLine(lines: string[]): string {
  return `${lines.map(stripControls).join('\n')}\n`;
}
