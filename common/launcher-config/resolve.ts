// Applies settings, lowest priority first, over the defaults; a bad setting is reported and the
// value below it kept.
import { quote } from '../text/terminal-safe.ts';
import { configKeys, defaultConfig, isConfigKey, type Config, type ConfigKey } from './keys.ts';
import { formatSource, type ConfigProblem, type Setting, type SettingSource } from './source.ts';
import { ValueError, type ValueType } from './value-types.ts';

export type ResolvedConfig = {
  readonly config: Config;
  readonly origins: Readonly<Record<ConfigKey, SettingSource>>;
  readonly problems: readonly ConfigProblem[];
};

export function resolveConfig(settings: Iterable<Setting>, problems: ConfigProblem[] = []): ResolvedConfig {
  const config: Record<string, unknown> = { ...defaultConfig() };
  const origins = Object.fromEntries(Object.keys(configKeys).map((key) => [key, { kind: 'default' }])) as Record<ConfigKey, SettingSource>;
  for (const setting of settings) {
    const { key, name, source } = setting;
    if (!isConfigKey(key)) {
      problems.push({ source, name, message: `unknown key${suggestion(key)}; ignored` });
      continue;
    }
    const type = configKeys[key].type as ValueType<unknown>;
    try {
      config[key] = type.parse(setting.value);
      origins[key] = source;
    } catch (error) {
      if (!(error instanceof ValueError)) throw error;
      const kept = type.format(config[key]);
      problems.push({
        source,
        name,
        message: `${quote(setting.value)}: ${error.message}; keeping ${kept === '' ? '(empty)' : quote(kept)} from ${formatSource(origins[key])}`,
      });
    }
  }
  return { config: config as Config, origins, problems };
}

function suggestion(unknown: string): string {
  let best: string | undefined;
  let bestDistance = 3;
  for (const key of Object.keys(configKeys)) {
    const distance = editDistance(unknown, key);
    if (distance < bestDistance) [best, bestDistance] = [key, distance];
  }
  return best === undefined ? '' : ` (did you mean ${best}?)`;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitution));
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}
