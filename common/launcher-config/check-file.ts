// Checks one config file as a whole: every section, whichever client it is meant for, with the
// same parser and key schema the launcher uses. For files about to go onto a disk or into an
// image (vdd-image flash --config), where no client identity applies yet. Reads: the file named.
import { ReadError, readBoundedText } from '../io/read-bounded.ts';
import { iniLimits, parseIni } from './ini.ts';
import { resolveConfig } from './resolve.ts';
import type { ConfigProblem, Setting } from './source.ts';

export function configFileProblems(path: string): ConfigProblem[] {
  let text: string;
  try {
    text = readBoundedText(path, iniLimits.maxBytes);
  } catch (error) {
    if (!(error instanceof ReadError)) throw error;
    return [{ source: { kind: 'file', path }, message: `cannot read: ${error.message}` }];
  }
  const document = parseIni(text);
  const problems: ConfigProblem[] = document.problems.map((problem) => ({ source: { kind: 'file', path, line: problem.line }, message: problem.message }));
  const settings: Setting[] = document.sections.flatMap((section) =>
    section.entries.map((entry) => ({
      key: entry.key,
      name: entry.key,
      value: entry.value,
      source: { kind: 'file', path, line: entry.line, section: section.name } as const,
    })),
  );
  resolveConfig(settings, problems);
  return problems;
}
