// What ltsp.conf must say for the LTSP flavour's clients, what the server's ltsp.conf says now,
// and the edit that adds what is missing. Keys: [server] DEFAULT_IMAGE (LTSP's iPXE menu boots
// x86_64 by default), KERNEL_PARAMETERS (an NBD root, kernel parameters for these clients),
// [clients] VDD_BROKER (where vdd-launcher finds the broker). Every VDD_BROKER already in the
// file must parse, and a BASE_DIR there must be --base-dir.
import { configKeys } from '../../common/launcher-config/keys.ts';
import { ValueError } from '../../common/launcher-config/value-types.ts';
import { evaluateLtspConf, parseLtspConf, serverSettings, shellValue, type LtspConf } from '../../common/ltsp-conf/ltsp-conf.ts';

export type LtspBootPath = 'nfs' | 'nbd';
export type WantedKey = { readonly section: 'server' | 'clients'; readonly key: string; readonly value: string; readonly why: string };
export type LtspConfCheck = {
  /** Wrong values the admin must fix first: file:line [section]: key: why. */
  readonly problems: string[];
  /** Wanted keys the file lacks or sets otherwise. */
  readonly missing: { readonly wanted: WantedKey; readonly now?: string }[];
};

export class LtspConfError extends Error {
  override readonly name = 'LtspConfError';
  readonly problems: readonly string[];
  constructor(problems: readonly string[], options?: ErrorOptions) {
    super(problems.join('\n'), options);
    this.problems = problems;
  }
}

export const ltspDefaultBaseDir = '/srv/ltsp';

export function wantedKeys(options: { name: string; boot: LtspBootPath; broker?: readonly string[]; kernelParameters?: string }): WantedKey[] {
  const parameters = [
    // LTSP's menu entry mounts BASE_DIR over NFS and loop-mounts images/NAME.img; for NBD the
    // kernel takes the exported image as its root instead (the last root= and ltsp.image= win).
    ...(options.boot === 'nbd' ? ['root=/dev/nbd0', `nbdroot=\${srv},${options.name},nbd0`, 'boot=local', 'ltsp.image='] : []),
    ...(options.kernelParameters === undefined ? [] : [options.kernelParameters]),
  ].join(' ');
  return [
    { section: 'server', key: 'DEFAULT_IMAGE', value: options.name, why: "the image LTSP's iPXE menu starts (LTSP's own default is x86_64)" },
    ...(parameters === ''
      ? []
      : [
          {
            section: 'server' as const,
            key: 'KERNEL_PARAMETERS',
            // Single quotes: LTSP's shell must leave ${srv} for iPXE to fill in.
            value: `'${parameters}'`,
            why: options.boot === 'nbd' ? 'the root over NBD from the LTSP server (iPXE fills in ${srv})' : 'kernel parameters of these clients',
          },
        ]),
    ...(options.broker === undefined || options.broker.length === 0
      ? []
      : [{ section: 'clients' as const, key: 'VDD_BROKER', value: `"${options.broker.join(',')}"`, why: 'where vdd-launcher finds the broker' }]),
  ];
}

/** The broker URLs of --broker, checked as the launcher will check them. */
export function parseBrokerOption(text: string): readonly string[] {
  try {
    return configKeys.broker.type.parse(text);
  } catch (error) {
    if (error instanceof ValueError) throw new LtspConfError([`--broker ${text}: ${error.message}`], { cause: error });
    throw error;
  }
}

export function checkLtspConf(text: string, path: string, wanted: readonly WantedKey[], baseDir: string): LtspConfCheck {
  const conf = parseLtspConf(text);
  const problems: string[] = [];
  for (const section of conf.sections) {
    for (const item of section.items) {
      if (item.kind !== 'set' || item.key !== 'VDD_BROKER') continue;
      const where = `${path}:${item.line} [${section.name}]: VDD_BROKER`;
      const value = shellValue(item.value);
      if (value === undefined) problems.push(`${where}: expected a literal value (vdd-launcher reads it without a shell), not ${item.value}`);
      else {
        try {
          configKeys.broker.type.parse(value);
        } catch (error) {
          if (!(error instanceof ValueError)) throw error;
          problems.push(`${where}: ${error.message}`);
        }
      }
    }
  }
  const server = serverSettings(conf);
  const setBaseDir = server.findLast((setting) => setting.key === 'BASE_DIR');
  const ltspBaseDir = setBaseDir === undefined ? ltspDefaultBaseDir : (shellValue(setBaseDir.value) ?? setBaseDir.value);
  if (ltspBaseDir.replace(/\/+$/, '') !== baseDir.replace(/\/+$/, ''))
    problems.push(
      `--base-dir ${baseDir} is not LTSP's BASE_DIR ${ltspBaseDir} (${setBaseDir === undefined ? "LTSP's default" : `${path}:${setBaseDir.line} [${setBaseDir.section}]`}): ltsp image would not find the root there`,
    );
  const missing = wanted.flatMap((key) => {
    const settings = key.section === 'server' ? server : evaluateLtspConf(conf, ['clients']);
    const now = settings.findLast((setting) => setting.key === key.key);
    if (now !== undefined && shellValue(now.value) === shellValue(key.value)) return [];
    return [{ wanted: key, ...(now === undefined ? {} : { now: now.value }) }];
  });
  return { problems, missing };
}

/** The lines to add to ltsp.conf, as a person would paste them. */
export function sectionText(keys: readonly WantedKey[]): string {
  const lines: string[] = [];
  for (const section of ['server', 'clients'] as const) {
    const inSection = keys.filter((key) => key.section === section);
    if (inSection.length === 0) continue;
    lines.push(`[${section}]`);
    for (const key of inSection) lines.push(`# vdd-thin: ${key.why}`, `${key.key}=${key.value}`);
  }
  return `${lines.join('\n')}\n`;
}

/** ltsp.conf with the keys set: replaced in the first section of that name, else added to it, else a new section at the end. */
export function mergeLtspConf(text: string, keys: readonly WantedKey[]): string {
  let lines = text === '' ? [] : text.replace(/\n$/, '').split('\n');
  for (const key of keys) {
    const conf: LtspConf = parseLtspConf(lines.join('\n'));
    const section = conf.sections.slice(1).find((candidate) => candidate.name === key.section);
    const assignment = `${key.key}=${key.value}`;
    if (section === undefined) {
      lines = [...lines, ...(lines.length > 0 ? [''] : []), `[${key.section}]`, `# vdd-thin: ${key.why}`, assignment];
      continue;
    }
    const existing = section.items.find((item) => item.kind === 'set' && item.key === key.key);
    if (existing !== undefined) {
      if (existing.kind === 'set' && shellValue(existing.value) === undefined && /^["']/.test(existing.value) && !/["']\s*(#.*)?$/.test(existing.value))
        throw new LtspConfError([`line ${existing.line} [${key.section}]: ${key.key} spans several lines; set it to ${key.value} by hand`]);
      lines[existing.line - 1] = assignment;
      continue;
    }
    // At the end of the section (the last value may go on over several lines), before its trailing blank lines.
    const next = conf.sections[conf.sections.indexOf(section) + 1];
    let at = next === undefined ? lines.length : next.line - 1;
    while (at > section.line && (lines[at - 1] ?? '').trim() === '') at -= 1;
    lines.splice(at, 0, `# vdd-thin: ${key.why}`, assignment);
  }
  return `${lines.join('\n')}\n`;
}
