// Gathers settings from every layer (file sections, kernel command line, environment, flags) and
// resolves them. Reads: the config file, the kernel command line file, VDD_* variables.
import { ReadError, readBoundedText } from '../io/read-bounded.ts';
import { parseIni, iniLimits } from './ini.ts';
import { applicableSections } from './sections.ts';
import { kernelCmdlineLimits, vddParameters } from './kernel-cmdline.ts';
import { resolveConfig, type ResolvedConfig } from './resolve.ts';
import type { ClientIdentity } from './identity.ts';
import type { ConfigProblem, Setting } from './source.ts';

export const defaultConfigFile = '/etc/vdd/launcher.conf';
export const defaultCmdlineFile = '/proc/cmdline';
export const envPrefix = 'VDD_';

export type ConfigInputs = {
  readonly configFile: string;
  /** A file named on the command line must exist; the default one may be absent. */
  readonly configFileRequired: boolean;
  readonly cmdlineFile: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly flags: readonly Setting[];
  readonly identity: ClientIdentity;
};

export type FileStatus = { readonly path: string; readonly role: 'config' | 'cmdline'; readonly status: 'read' | 'absent' | 'unreadable' };
export type SectionUse = { readonly path: string; readonly section: string; readonly line: number };

export type LoadedConfig = ResolvedConfig & {
  readonly identity: ClientIdentity;
  readonly files: readonly FileStatus[];
  readonly sections: readonly SectionUse[];
};

export function loadConfig(inputs: ConfigInputs): LoadedConfig {
  const problems: ConfigProblem[] = [];
  const files: FileStatus[] = [];
  const sections: SectionUse[] = [];
  const settings: Setting[] = [];

  const configText = readLayerFile(inputs.configFile, iniLimits.maxBytes, !inputs.configFileRequired, 'config', files, problems);
  if (configText !== undefined) {
    const document = parseIni(configText);
    for (const problem of document.problems) problems.push({ source: { kind: 'file', path: inputs.configFile, line: problem.line }, message: problem.message });
    for (const section of applicableSections(document.sections, inputs.identity)) {
      sections.push({ path: inputs.configFile, section: section.name, line: section.line });
      for (const entry of section.entries) {
        settings.push({ key: entry.key, name: entry.key, value: entry.value, source: { kind: 'file', path: inputs.configFile, line: entry.line, section: section.name } });
      }
    }
  }

  const cmdline = readLayerFile(inputs.cmdlineFile, kernelCmdlineLimits.maxBytes, true, 'cmdline', files, problems);
  if (cmdline !== undefined) {
    for (const parameter of vddParameters(cmdline)) {
      const source = { kind: 'cmdline', path: inputs.cmdlineFile } as const;
      const name = `vdd.${parameter.name}`;
      if (parameter.value === undefined) problems.push({ source, name, message: 'expected vdd.KEY=VALUE; ignored' });
      else settings.push({ key: parameter.name, name, value: parameter.value, source });
    }
  }

  for (const [name, value] of Object.entries(inputs.env)) {
    if (!name.startsWith(envPrefix) || value === undefined) continue;
    settings.push({ key: name.slice(envPrefix.length).toLowerCase(), name, value, source: { kind: 'env' } });
  }

  settings.push(...inputs.flags);
  return { ...resolveConfig(settings, problems), identity: inputs.identity, files, sections };
}

function readLayerFile(
  path: string,
  maxBytes: number,
  mayBeAbsent: boolean,
  role: FileStatus['role'],
  files: FileStatus[],
  problems: ConfigProblem[],
): string | undefined {
  try {
    const text = readBoundedText(path, maxBytes);
    files.push({ path, role, status: 'read' });
    return text;
  } catch (error) {
    if (!(error instanceof ReadError)) throw error;
    if (error.code === 'ENOENT' && mayBeAbsent) {
      files.push({ path, role, status: 'absent' });
      return undefined;
    }
    files.push({ path, role, status: 'unreadable' });
    problems.push({ source: { kind: 'file', path }, message: `cannot read: ${error.message}; its settings are not used` });
    return undefined;
  }
}
