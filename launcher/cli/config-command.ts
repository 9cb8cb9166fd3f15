// vdd-launcher config: the effective configuration (KEY=value lines, or with --explain where each
// value comes from), one key's value, or --check of every source.
import { explainJson, explainText } from '../config/explain.ts';
import { configKeys, isConfigKey, type ConfigKey } from '../../common/launcher-config/keys.ts';
import { formatProblem } from '../../common/launcher-config/source.ts';
import type { ValueType } from '../../common/launcher-config/value-types.ts';
import { stripControls } from '../../common/text/terminal-safe.ts';
import type { CommandContext } from './command.ts';
import { exitCodes } from './exit-codes.ts';
import { UsageError } from '../../common/cli/command-line.ts';

export async function runConfig({ line, stdout, stderr, config }: CommandContext): Promise<number> {
  const { options, operands } = line;
  const [key] = operands;
  if (key !== undefined && !isConfigKey(key)) throw new UsageError(`config ${key}: no such key; vdd-launcher config --explain lists them`);
  const loaded = config();
  const status = options.check && loaded.problems.length > 0 ? exitCodes.configProblems : exitCodes.ok;
  const problems = loaded.problems.map((problem) => stripControls(formatProblem(problem)));
  const json = (value: unknown) => stdout.write(`${JSON.stringify(value, null, 2)}\n`);
  const format = (name: ConfigKey) => stripControls((configKeys[name].type as ValueType<unknown>).format(loaded.config[name]));

  if (options.explain) {
    if (options.json) json(explainJson(loaded));
    else stdout.write(explainText(loaded));
    return status;
  }
  if (options.check) {
    if (options.json) json({ valid: problems.length === 0, problems });
    else stdout.write(problems.length === 0 ? 'configuration is valid\n' : `${problems.join('\n')}\n`);
    return status;
  }
  for (const problem of problems) stderr.write(`vdd-launcher: ${problem}\n`);
  if (key !== undefined) {
    if (options.json) json(loaded.config[key]);
    else stdout.write(`${format(key)}\n`);
    return status;
  }
  if (options.json) json(loaded.config);
  else stdout.write((Object.keys(configKeys) as ConfigKey[]).map((name) => `${name}=${format(name)}\n`).join(''));
  return status;
}
