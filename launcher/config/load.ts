// Gathers settings from every layer (config files' sections, LTSP's ltsp.conf, kernel command
// line, environment, flags) and resolves them. Reads: the image's config file, the flashed disk's
// config file, ltsp.conf (its VDD_* keys, in the sections LTSP applies to this client), the
// kernel command line file, VDD_* variables.
import { ReadError, readBoundedText } from '../../common/io/read-bounded.ts';
import { parseIni, iniLimits } from '../../common/launcher-config/ini.ts';
import { applicableSections } from './sections.ts';
import { kernelCmdlineLimits, vddParameters } from './kernel-cmdline.ts';
import { resolveConfig, type ResolvedConfig } from '../../common/launcher-config/resolve.ts';
import type { ClientIdentity } from './identity.ts';
import type { ConfigProblem, Setting } from '../../common/launcher-config/source.ts';
import { clientSettings, ltspConfLimits, parseLtspConf, shellValue } from '../../common/ltsp-conf/ltsp-conf.ts';

export const defaultConfigFile = '/etc/vdd/launcher.conf';
/** Where the initrd mounts the flashed disk's FAT config partition (vdd.conf a refurbisher edits). */
export const defaultDiskConfigFile = '/run/vdd/disk/vdd.conf';
export const defaultCmdlineFile = '/proc/cmdline';
export const envPrefix = 'VDD_';

export type ConfigFile = {
  readonly path: string;
  /** A file named on the command line must exist; a default one may be absent. */
  readonly required: boolean;
};

export type ConfigInputs = {
  /** INI files, lowest priority first: the image's launcher.conf, then the flashed disk's vdd.conf. */
  readonly configFiles: readonly ConfigFile[];
  /** LTSP's ltsp.conf (on an LTSP client, as LTSP's initrd left it): VDD_KEY = value in its sections, above the config files. */
  readonly ltspConf?: ConfigFile;
  readonly cmdlineFile: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly flags: readonly Setting[];
  readonly identity: ClientIdentity;
};

export type FileStatus = { readonly path: string; readonly role: 'config' | 'ltsp' | 'cmdline'; readonly status: 'read' | 'absent' | 'unreadable' };
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

  for (const file of inputs.configFiles) {
    const text = readLayerFile(file.path, iniLimits.maxBytes, !file.required, 'config', files, problems);
    if (text === undefined) continue;
    const document = parseIni(text);
    for (const problem of document.problems) problems.push({ source: { kind: 'file', path: file.path, line: problem.line }, message: problem.message });
    for (const section of applicableSections(document.sections, inputs.identity)) {
      sections.push({ path: file.path, section: section.name, line: section.line });
      for (const entry of section.entries) {
        settings.push({
          key: entry.key,
          name: entry.key,
          value: entry.value,
          source: { kind: 'file', path: file.path, line: entry.line, section: section.name },
        });
      }
    }
  }

  if (inputs.ltspConf !== undefined) settings.push(...ltspConfSettings(inputs.ltspConf, inputs.identity, files, problems));

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

/** The VDD_* keys ltsp.conf gives this client, as launcher settings (VDD_BROKER -> broker). */
function ltspConfSettings(file: ConfigFile, identity: ClientIdentity, files: FileStatus[], problems: ConfigProblem[]): Setting[] {
  const text = readLayerFile(file.path, ltspConfLimits.maxBytes, !file.required, 'ltsp', files, problems);
  if (text === undefined) return [];
  const settings: Setting[] = [];
  for (const setting of clientSettings(parseLtspConf(text), identity)) {
    if (!setting.key.startsWith(envPrefix)) continue;
    const source = { kind: 'file', path: file.path, line: setting.line, section: setting.section, layer: 'ltsp' } as const;
    const value = shellValue(setting.value);
    if (value === undefined) problems.push({ source, name: setting.key, message: 'expected a literal value (no $, `, \\ or multi-line quotes); ignored' });
    else settings.push({ key: setting.key.slice(envPrefix.length).toLowerCase(), name: setting.key, value, source });
  }
  return settings;
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
