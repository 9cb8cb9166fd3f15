// What ltsp.conf must say for the LTSP flavour's clients, what the server's ltsp.conf says now,
// and the edit that adds what is missing. LTSP 23's `ltsp ipxe` reads DEFAULT_IMAGE (the menu's
// default image) and KERNEL_PARAMETERS (more kernel parameters) from [server] for every client,
// and from a section named by a client's exact MAC address for that client (its generated :MAC
// labels in ltsp.ipxe; glob sections do not count there). So with --mac the keys go into each
// client's [MAC] section and nothing server-wide changes; without it they go into [server], but
// a [server] value that is already there and different, or the server's other images (LTSP's own
// default is x86_64), are left alone unless --make-default: DEFAULT_IMAGE is then reported as not
// changed, and KERNEL_PARAMETERS (which every image would get) is refused before anything is
// installed. VDD_BROKER (read by vdd-launcher only) goes into [clients], or the [MAC] sections.
// Every VDD_BROKER already in the file must parse, and a BASE_DIR there must be --base-dir.
import { readBoundedText, ReadError } from '../../common/io/read-bounded.ts';
import { configKeys } from '../../common/launcher-config/keys.ts';
import { ValueError } from '../../common/launcher-config/value-types.ts';
import { evaluateLtspConf, ltspConfLimits, parseLtspConf, serverSettings, shellValue, type LtspConf } from '../../common/ltsp-conf/ltsp-conf.ts';
import { globMatches } from '../../common/text/glob.ts';

export type LtspBootPath = 'nfs' | 'nbd';
/** section: "server", "clients" or a client's MAC address (lowercase, with colons, as LTSP's iPXE names it). */
export type WantedKey = { readonly section: string; readonly key: string; readonly value: string; readonly why: string };
export type LtspConfCheck = {
  /** Wrong values the admin must fix first: file:line [section]: key: why. */
  readonly problems: string[];
  /** Wanted keys the file lacks or sets otherwise, to be written. */
  readonly missing: { readonly wanted: WantedKey; readonly now?: string }[];
  /** Server-wide keys left as they are (without --make-default): what they are now and why they stay. */
  readonly kept: { readonly wanted: WantedKey; readonly now?: string; readonly why: string }[];
  /** What else the admin should know (a [server] value these clients' own sections replace). */
  readonly notes: string[];
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

/** The keys ltsp ipxe takes from [server] for every client, or from a client's [MAC] section. */
export const menuKeys = ['DEFAULT_IMAGE', 'KERNEL_PARAMETERS'] as const;

export function wantedKeys(options: {
  name: string;
  boot: LtspBootPath;
  broker?: readonly string[];
  kernelParameters?: string;
  /** These clients' MAC addresses (parseMacOption): their own sections instead of [server] and [clients]. */
  macs?: readonly string[];
}): WantedKey[] {
  const parameters = [
    // LTSP's menu entry mounts BASE_DIR over NFS and loop-mounts images/NAME.img; for NBD the
    // kernel takes the exported image as its root instead (the last root= and ltsp.image= win).
    ...(options.boot === 'nbd' ? ['root=/dev/nbd0', `nbdroot=\${srv},${options.name},nbd0`, 'boot=local', 'ltsp.image='] : []),
    ...(options.kernelParameters === undefined ? [] : [options.kernelParameters]),
  ].join(' ');
  const macs = options.macs ?? [];
  const keys = (menuSection: string, brokerSection: string): WantedKey[] => [
    {
      section: menuSection,
      key: 'DEFAULT_IMAGE',
      value: options.name,
      why: menuSection === 'server' ? "the image LTSP's iPXE menu starts (LTSP's own default is x86_64)" : "the image LTSP's iPXE menu starts for this client",
    },
    ...(parameters === ''
      ? []
      : [
          {
            section: menuSection,
            key: 'KERNEL_PARAMETERS',
            // Single quotes: LTSP's shell must leave ${srv} for iPXE to fill in.
            value: `'${parameters}'`,
            why: options.boot === 'nbd' ? 'the root over NBD from the LTSP server (iPXE fills in ${srv})' : 'kernel parameters of these clients',
          },
        ]),
    ...(options.broker === undefined || options.broker.length === 0
      ? []
      : [{ section: brokerSection, key: 'VDD_BROKER', value: `"${options.broker.join(',')}"`, why: 'where vdd-launcher finds the broker' }]),
  ];
  return macs.length === 0 ? keys('server', 'clients') : macs.flatMap((mac) => keys(mac, mac));
}

/** --mac: MAC addresses, comma-separated, as LTSP's iPXE names sections (lowercase, colons); no globs, which its menu ignores. */
export function parseMacOption(text: string): readonly string[] {
  const macs = text.split(',').map((mac) => mac.trim());
  const bad = macs.find((mac) => !/^[0-9a-fA-F]{2}([:-][0-9a-fA-F]{2}){5}$/.test(mac));
  if (bad !== undefined)
    throw new LtspConfError([
      `--mac ${text}: ${bad === '' ? 'an empty address' : bad} is not a MAC address such as 52:54:00:12:34:56 (LTSP's iPXE menu reads only exact MAC sections)`,
    ]);
  return [...new Set(macs.map((mac) => mac.toLowerCase().replaceAll('-', ':')))];
}

/**
 * The server's ltsp.conf as text, or exists false when there is none yet (LTSP ships none: the
 * admin copies its example, or --apply writes one). Anything else that keeps it from being read
 * (a directory, permission denied, too large) is refused with the path.
 */
export function readServerLtspConf(path: string): { text: string; exists: boolean } {
  try {
    return { text: readBoundedText(path, ltspConfLimits.maxBytes), exists: true };
  } catch (error) {
    if (!(error instanceof ReadError)) throw error;
    if (error.code === 'ENOENT') return { text: '', exists: false };
    const what =
      error.code === 'EACCES' || error.code === 'EPERM'
        ? 'run vdd-image ltsp as root, which reads and (with --apply) writes it'
        : error.code === 'TOOBIG'
          ? "an ltsp.conf is a few KiB: check that --ltsp-conf names the server's ltsp.conf"
          : "give --ltsp-conf the server's ltsp.conf file (LTSP reads /etc/ltsp/ltsp.conf)";
    throw new LtspConfError([`--ltsp-conf ${path}: cannot be read (${error.message}): ${what}; nothing was installed`], { cause: error });
  }
}

/** Whether ltsp.conf gives any client a broker: a VDD_BROKER with at least one URL (an empty one leaves the launcher to discover it). */
export function ltspConfSetsBroker(text: string): boolean {
  return parseLtspConf(text).sections.some((section) =>
    section.items.some((item) => {
      if (item.kind !== 'set' || item.key !== 'VDD_BROKER') return false;
      const value = shellValue(item.value);
      if (value === undefined) return true;
      try {
        return configKeys.broker.type.parse(value).length > 0;
      } catch {
        return true;
      }
    }),
  );
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

export function checkLtspConf(
  text: string,
  path: string,
  wanted: readonly WantedKey[],
  baseDir: string,
  server: { readonly makeDefault: boolean; readonly otherImages: readonly string[] } = { makeDefault: false, otherImages: [] },
): LtspConfCheck {
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
  const serverNow = serverSettings(conf);
  const setBaseDir = serverNow.findLast((setting) => setting.key === 'BASE_DIR');
  const ltspBaseDir = setBaseDir === undefined ? ltspDefaultBaseDir : (shellValue(setBaseDir.value) ?? setBaseDir.value);
  if (ltspBaseDir.replace(/\/+$/, '') !== baseDir.replace(/\/+$/, ''))
    problems.push(
      `--base-dir ${baseDir} is not LTSP's BASE_DIR ${ltspBaseDir} (${setBaseDir === undefined ? "LTSP's default" : `${path}:${setBaseDir.line} [${setBaseDir.section}]`}): ltsp image would not find the root there; give --base-dir ${ltspBaseDir}, or set BASE_DIR=${baseDir} in ${path} [server] first`,
    );
  const missing: { wanted: WantedKey; now?: string }[] = [];
  const kept: { wanted: WantedKey; now?: string; why: string }[] = [];
  const shadowed = new Set<string>();
  for (const key of wanted) {
    let settings = serverNow;
    if (key.section === 'clients') settings = evaluateLtspConf(conf, ['clients']);
    else if (key.section !== 'server') {
      // LTSP's section_call runs the first section whose name, as a glob, matches the MAC: a
      // [52:54:00:*] above [MAC] takes its place, and the client's own section never counts.
      const first = conf.sections.slice(1).find((section) => section.name !== '' && globMatches(section.name, key.section));
      if (first !== undefined && first.name !== key.section) {
        if (!shadowed.has(key.section))
          problems.push(
            `${path}:${first.line} [${first.name}] comes before any [${key.section}] and matches it: LTSP reads that section for this client, not its own; put a [${key.section}] section above it`,
          );
        shadowed.add(key.section);
        continue;
      }
      settings = evaluateLtspConf(conf, [key.section]);
    }
    const now = settings.findLast((setting) => setting.key === key.key);
    if (now !== undefined && shellValue(now.value) === shellValue(key.value)) continue;
    const entry = { wanted: key, ...(now === undefined ? {} : { now: now.value }) };
    if (key.section !== 'server' || server.makeDefault || (now === undefined && server.otherImages.length === 0)) {
      missing.push(entry);
      continue;
    }
    // A server-wide value another image may depend on: not changed unless the admin asks.
    const because =
      now === undefined
        ? `this server's other images (${server.otherImages.slice(0, 5).join(', ')}) would get it too`
        : `${path}:${now.line} [${now.section}] sets ${now.value} for every client`;
    if (key.key === 'KERNEL_PARAMETERS')
      problems.push(
        `KERNEL_PARAMETERS for these clients: ${because}; give --mac MAC[,MAC] to set it in these clients' own sections, or --make-default to set it in [server] for every client`,
      );
    else kept.push({ ...entry, why: because });
  }
  const notes: string[] = [];
  const serverParameters = serverNow.findLast((setting) => setting.key === 'KERNEL_PARAMETERS');
  if (serverParameters !== undefined && wanted.some((key) => key.key === 'KERNEL_PARAMETERS' && key.section !== 'server'))
    notes.push(
      `${path}:${serverParameters.line} [${serverParameters.section}] KERNEL_PARAMETERS=${serverParameters.value} no longer applies to these clients: LTSP's iPXE menu takes a client's own KERNEL_PARAMETERS instead (add to --kernel-parameters what they still need)`,
    );
  return { problems, missing, kept, notes };
}

/** The lines to add to ltsp.conf, as a person would paste them, a section at a time. */
export function sectionText(keys: readonly WantedKey[]): string {
  const lines: string[] = [];
  for (const section of [...new Set(keys.map((key) => key.section))]) {
    lines.push(`[${section}]`);
    for (const key of keys.filter((candidate) => candidate.section === section)) lines.push(`# vdd-thin: ${key.why}`, `${key.key}=${key.value}`);
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
