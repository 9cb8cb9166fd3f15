// The configuration schema: every key the launcher reads, its type, default and meaning.
import { absolutePath, boolean, choice, integer, screenSize, text, urlList, type ValueType } from './value-types.ts';

type KeySpec<T> = { readonly type: ValueType<T>; readonly default: T; readonly doc: string };

function key<T>(type: ValueType<T>, defaultValue: T, doc: string): KeySpec<T> {
  return { type, default: defaultValue, doc };
}

export const configKeys = {
  broker: key(urlList(), [], 'Brokers to use, in order of preference (failover). Empty: discover them.'),
  broker_ca: key(absolutePath(), '/etc/vdd/broker-ca.pem', 'CA certificate file that https brokers must be signed by.'),
  broker_client_cert: key(absolutePath(), '', "This PC's client certificate (PEM) for https brokers that ask for one (vdd-broker --client-ca). Empty: none."),
  broker_client_key: key(absolutePath(), '', 'The private key (PEM) of broker_client_cert.'),
  broker_timeout: key(integer(100, 60000, 'milliseconds'), 3000, 'How long one broker request may take.'),
  guest_start_timeout: key(
    integer(5, 600, 'seconds'),
    120,
    'How long the broker may take to start a stopped guest and give its address; the menu counts the seconds.',
  ),
  cache_dir: key(absolutePath(), '/run/vdd', 'Where the last good catalog is kept.'),
  discovery_timeout: key(integer(100, 30000, 'milliseconds'), 2000, 'Deadline for finding a broker on all sources.'),
  discovery_sources: key(
    text(64, { regex: /^(dhcp|dns-sd|dns-srv|xdmcp)([\s,]+(dhcp|dns-sd|dns-srv|xdmcp))*$/, expects: 'a comma-separated list of dhcp, dns-sd, dns-srv, xdmcp' }),
    'dhcp,dns-sd,dns-srv',
    'Network sources to look for a broker on when broker is empty; add xdmcp for an XDMCP broadcast when no broker exists. Empty: none.',
  ),
  dhcp_file: key(absolutePath(), '/run/vdd/dhcp.env', "Where the image's DHCP hook leaves the broker options of the lease (224, 43), domain and DNS servers."),
  default_guest: key(text(128), '', 'Guest id started automatically after menu_timeout. Empty: none.'),
  menu_timeout: key(integer(0, 3600, 'seconds'), 10, 'Seconds before default_guest starts; every keypress restarts the count. 0: never.'),
  menu_title: key(text(60), 'VDD thin client', 'Title shown at the top of the menu.'),
  menu_allow_quit: key(boolean(), false, 'Offer "Leave the menu" in the power menu (demo and admin use; the image leaves it off).'),
  log_level: key(
    choice(['error', 'warn', 'info', 'debug']),
    'info',
    'How much the launcher writes to its log: info records sessions and broker failures; error and warn keep it quiet.',
  ),
  log_file: key(
    absolutePath(),
    '/run/vdd/launcher.log',
    'Where the launcher logs (the menu owns the terminal); rotated to .1 at 1 MiB. Empty: standard error.',
  ),
  session_display: key(
    choice(['auto', 'console', 'nested']),
    'auto',
    'Where sessions show: console (an X server on a VT of its own), nested (inside DISPLAY), auto (nested when DISPLAY is set).',
  ),
  session_vt: key(integer(1, 63, 'VT number'), 7, 'Virtual terminal of the console X server.'),
  session_probe_timeout: key(integer(100, 30000, 'milliseconds'), 3000, 'How long the XDMCP Query or VNC handshake before a session may take.'),
  session_exec_below_ram: key(
    integer(0, 65536, 'MiB of RAM'),
    256,
    'Replace the launcher with the session (exec mode) on PCs with less RAM than this. 0: only with connect --exec.',
  ),
  vnc_password_file: key(absolutePath(), '', 'TigerVNC password file (vncpasswd format) for VNC guests the broker gives no password for. Empty: none.'),
  vnc_encoding: key(choice(['auto', 'Tight', 'ZRLE', 'Hextile', 'Raw']), 'auto', "VNC encoding; auto: chosen from this PC's CPU and link speed."),
  vnc_quality: key(choice(['auto', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9']), 'auto', 'JPEG quality 0-9 for Tight; auto: from the link speed.'),
  vnc_compression: key(
    choice(['auto', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9']),
    'auto',
    'Compression level 0-9 for Tight and ZRLE; auto: from the CPU and link speed.',
  ),
  vnc_depth: key(choice(['auto', '8', '16', '24']), 'auto', 'Colour depth of the VNC picture; auto: from RAM and link speed.'),
  x_depth: key(choice(['auto', '8', '16', '24']), 'auto', "Colour depth of the session's X server; auto: from RAM."),
  image_version_file: key(
    absolutePath(),
    '/etc/vdd/image-version',
    'File naming the running image and its version ("NAME VERSION", written by the image build); the info screen shows it and update checks compare against it.',
  ),
  update_url: key(
    urlList(1),
    [],
    'Publish root of the image server (vdd-image publish --root) whose current/manifest.json announces new versions. Empty: the root this PC netbooted from (vdd.root=.../versions/V/ or .../current/ on the kernel command line), else no checks.',
  ),
  update_policy: key(
    choice(['never', 'idle', 'now']),
    'idle',
    'When a netbooted PC restarts into a newly published version: never (only show it), idle (after update_idle seconds without a key or session), now (at once, but never during a session).',
  ),
  update_check_interval: key(
    integer(1, 86400, 'seconds'),
    600,
    'Seconds between checks of the published manifest (a conditional GET: unchanged costs one small answer); after a failed check the next comes sooner (10 s, doubling).',
  ),
  update_idle: key(
    integer(1, 86400, 'seconds'),
    300,
    'With update_policy idle: seconds without a keypress or session, after the update is known, before the PC restarts.',
  ),
  x_resolution: key(screenSize(), 'auto', "Screen size of the session's X server (the Xnest window when nested); auto: the screen's preferred mode."),
} as const;

export type ConfigKey = keyof typeof configKeys;
export type ConfigValue<K extends ConfigKey> = (typeof configKeys)[K]['type'] extends ValueType<infer T> ? T : never;
export type Config = { readonly [K in ConfigKey]: ConfigValue<K> };

export function isConfigKey(name: string): name is ConfigKey {
  return Object.hasOwn(configKeys, name);
}

export function defaultConfig(): Config {
  const config: Record<string, unknown> = {};
  for (const [name, spec] of Object.entries(configKeys)) config[name] = spec.default;
  return config as Config;
}
