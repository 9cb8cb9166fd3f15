// ltsp.conf, LTSP 23's configuration (ltsp.conf(5)), read the way LTSP's ini2sh reads it:
// [section] headers (lowercased; MAC, IP and hostname sections may be globs), `KEY = value` lines
// (shell assignments), `INCLUDE = section`, and anything else (shell code, the rest of a multi-line
// value) left alone. Which sections apply follows LTSP's eval_ini: on a client the keys above any
// section, [clients], [common], the first section matching its MAC, then its IP, then its
// hostname (which those sections may set with HOSTNAME); on the server [common] and [server].
// Each section runs once, INCLUDE runs another in place, and a later value wins. The launcher
// reads its VDD_* keys from it; vdd-image ltsp checks and edits the server's.
import { globMatches } from '../text/glob.ts';

export type LtspConfItem =
  | { readonly kind: 'set'; readonly key: string; readonly value: string; readonly line: number }
  | { readonly kind: 'include'; readonly section: string; readonly line: number };
export type LtspConfSection = { readonly name: string; readonly line: number; readonly items: LtspConfItem[] };
/** The section before any header is "unnamed", as LTSP calls it. */
export type LtspConf = { readonly sections: LtspConfSection[] };
/** A KEY=value in effect, with the section it came from. */
export type LtspConfSetting = { readonly key: string; readonly value: string; readonly line: number; readonly section: string };

export const ltspConfLimits = { maxBytes: 256 * 1024 } as const;
export const unnamedSection = 'unnamed';
export const defaultLtspConfPath = '/etc/ltsp/ltsp.conf';

/** ini2sh keeps these characters of a section name (after lowercasing), dropping the rest. */
const sectionName = (text: string): string =>
  text
    .toLowerCase()
    .replace(/#.*/, '')
    .replace(/[^-*./:?@_|0-9a-z]/g, '');

export function parseLtspConf(text: string): LtspConf {
  let current: LtspConfSection = { name: unnamedSection, line: 0, items: [] };
  const sections = [current];
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = index + 1;
    if (/^ *\[[^\]]*\]/.test(raw)) {
      current = { name: sectionName(raw), line, items: [] };
      sections.push(current);
      return;
    }
    const include = /^include *= *(.*)$/i.exec(raw);
    if (include) {
      current.items.push({ kind: 'include', section: sectionName(include[1] ?? ''), line });
      return;
    }
    const assignment = /^([a-zA-Z0-9_]*) *= *(.*)$/.exec(raw);
    if (assignment && assignment[1] !== '') current.items.push({ kind: 'set', key: assignment[1] ?? '', value: assignment[2] ?? '', line });
  });
  return { sections };
}

/**
 * The settings in effect after calling the named sections in order (section_call): for each name the
 * first section whose name, as a shell glob, matches it, each section at most once.
 */
export function evaluateLtspConf(conf: LtspConf, calls: readonly (string | ((sofar: readonly LtspConfSetting[]) => string | undefined))[]): LtspConfSetting[] {
  const done = new Set<LtspConfSection>();
  const settings: LtspConfSetting[] = [];
  const run = (section: LtspConfSection): void => {
    if (done.has(section)) return;
    done.add(section);
    for (const item of section.items) {
      if (item.kind === 'set') settings.push({ key: item.key, value: item.value, line: item.line, section: section.name });
      else call(item.section);
    }
  };
  const call = (name: string): void => {
    if (name === unnamedSection) {
      run(conf.sections[0]!);
      return;
    }
    const section = conf.sections.slice(1).find((candidate) => candidate.name !== '' && globMatches(candidate.name, name));
    if (section) run(section);
  };
  for (const entry of calls) {
    const name = typeof entry === 'function' ? entry(settings) : entry;
    if (name !== undefined && name !== '') call(name);
  }
  return settings;
}

/** What a client sees: LTSP's order for a client with these MACs and IPs (the first that has a section) and hostname. */
export function clientSettings(conf: LtspConf, client: { macs: readonly string[]; ips: readonly string[]; hostname: string }): LtspConfSetting[] {
  const firstWithSection = (values: readonly string[]) => () =>
    values.find((value) => conf.sections.slice(1).some((section) => section.name !== '' && globMatches(section.name, value)));
  return evaluateLtspConf(conf, [
    unnamedSection,
    'clients',
    'common',
    firstWithSection(client.macs.map((mac) => mac.toLowerCase())),
    firstWithSection(client.ips),
    // MAC and IP sections may name the client (HOSTNAME=pc01); its section comes last.
    (sofar) => {
      const named = sofar.findLast((setting) => setting.key === 'HOSTNAME');
      return named === undefined ? client.hostname : (shellValue(named.value) ?? client.hostname);
    },
  ]);
}

/** What the server sees: the keys above any section, [common], [server]. */
export function serverSettings(conf: LtspConf): LtspConfSetting[] {
  return evaluateLtspConf(conf, [unnamedSection, 'common', 'server']);
}

/**
 * The literal value of a shell assignment's right-hand side, or undefined when it is more than a
 * literal (an expansion, a command, a multi-line value): 'single', "double" without $ ` or \,
 * or a bare word, each optionally followed by a # comment.
 */
export function shellValue(text: string): string | undefined {
  const match = /^(?:'([^']*)'|"([^"$`\\]*)"|([^\s'"$`\\;&|<>()#]*))(?:\s+#.*)?\s*$/.exec(text);
  if (!match) return undefined;
  return match[1] ?? match[2] ?? match[3] ?? '';
}
