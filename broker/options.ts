// vdd-broker's command line and --help text (docs/vdd-broker.md is the manual).
import { isIP } from 'node:net';
import { isHost } from '../common/net/host.ts';
import { parseSubcommandLine, UsageError } from '../common/cli/command-line.ts';
import { type AllowError, parseAllowList, type AllowList } from './access/allow-list.ts';
import { defaultAccessLimits, type AccessLimits } from './access/client-gate.ts';
import type { LibvirtHostSpec } from './libvirt/libvirt-hypervisor.ts';

export const brokerOptionSpecs = {
  catalog: { type: 'string' },
  listen: { type: 'string' },
  'tls-cert': { type: 'string' },
  'tls-key': { type: 'string' },
  reports: { type: 'string' },
  'probe-interval': { type: 'string' },
  'probe-timeout': { type: 'string' },
  'password-ttl': { type: 'string' },
  allow: { type: 'string', multiple: true },
  'client-ca': { type: 'string' },
  'max-connections': { type: 'string' },
  'request-rate': { type: 'string' },
  'report-rate': { type: 'string' },
  'lease-renew': { type: 'string' },
  'lease-grace': { type: 'string' },
  'audit-log': { type: 'string' },
  'lease-file': { type: 'string' },
  libvirt: { type: 'string', multiple: true },
  'libvirt-vnc-host': { type: 'string', multiple: true },
  'libvirt-start-timeout': { type: 'string' },
  'reset-grace': { type: 'string' },
  'admin-token-file': { type: 'string' },
  'published-root': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean', short: 'V' },
} as const;

export type BrokerOptions = {
  readonly catalog: string;
  readonly host: string;
  readonly port: number;
  readonly tls: { readonly cert: string; readonly key: string; readonly clientCa: string | undefined } | undefined;
  readonly allow: AllowList;
  readonly limits: AccessLimits;
  readonly leaseRenewMs: number;
  readonly leaseGraceMs: number;
  readonly auditLog: string | undefined;
  readonly leaseFile: string | undefined;
  readonly reports: string | undefined;
  readonly probeIntervalMs: number;
  readonly probeTimeoutMs: number;
  readonly passwordTtlMs: number;
  /** One per VM host, in the order given. */
  readonly libvirt: readonly LibvirtHostSpec[];
  readonly libvirtStartTimeoutMs: number;
  readonly resetGraceMs: number;
  readonly adminTokenFile: string | undefined;
  readonly publishedRoot: string | undefined;
};

export const brokerHelp = `Usage: vdd-broker --catalog FILE [--listen HOST:PORT] [OPTIONS]

The reference VDD broker: serves a catalog of guests over the broker protocol v1
(docs/broker-protocol.md), keeps each guest's state current with probes (RFB handshake for
vnc guests, XDMCP Query for xdmcp guests), gives each session a lease (a desktop belongs to
one PC) and a one-time VNC password, and keeps client reports.

Options:
  --catalog FILE           catalog file (JSON in the protocol's catalog shape); reloaded when
                           it changes, a bad file keeps the previous catalog
  --listen HOST:PORT       address to listen on (default 0.0.0.0:8080; [::1]:8080 for IPv6)
  --tls-cert FILE          serve https with this certificate (PEM; needs --tls-key)
  --tls-key FILE           private key of --tls-cert (PEM)
  --client-ca FILE         https only: clients must present a certificate signed by this CA
  --allow CIDR             clients allowed, e.g. 10.1.0.0/16 (repeatable; local: the networks
                           of this host's interfaces); default: loopback only. Others get 403
  --reports FILE           append client reports to FILE as JSON lines (FILE.1 keeps the
                           previous 16 MiB); without it reports are accepted and not kept
  --probe-interval SECONDS seconds between probes of every guest (default 15; 0: no probes,
                           states as written in the file)
  --probe-timeout MS       how long one probe may take (default 2000)
  --password-ttl SECONDS   how long a one-time VNC password stays valid unused (default 30)
  --lease-renew SECONDS    how often launchers renew their lease (default 15)
  --lease-grace SECONDS    a lease not renewed for this long ends (default 60)
  --lease-file FILE        keep the leases in FILE (0600, token hashes only) so that a restart
                           keeps who holds which desktop; without it a restart forgets them
  --max-connections N      open connections per client address (default 32)
  --request-rate N         requests a second per client address, burst twice that (default 20)
  --report-rate N          reports an hour per client address, burst 10 (default 60)
  --audit-log FILE         append the audit trail (sessions, refusals, lease ends) to FILE too;
                           SIGHUP reopens it
  --libvirt [LABEL=]URI    also serve the domains of this libvirt connection (through virsh;
                           e.g. qemu:///system, qemu+ssh://vmhost2/system): started on a session
                           request, each session with its own console ticket. Once per VM host;
                           with several, each needs a LABEL (1-20 letters, digits, "-"), which
                           prefixes its guests' ids (LABEL.DOMAIN)
  --libvirt-vnc-host [LABEL=]HOST
                           where clients reach consoles that listen on every address (default:
                           the host of the URI); LABEL= for one VM host only
  --libvirt-start-timeout SECONDS
                           how long a start or reset of a domain may take (default 60)
  --reset-grace SECONDS    a reset: after-session guest whose console has been disconnected this
                           long, and that no PC holds a lease on, is reset (default 30)
  --admin-token-file FILE  turn on the admin status (/admin/ and /v1/admin/status) for whoever
                           has the token in FILE's first line (at least 16 characters)
  --published-root DIR     the admin page lists the versions vdd-image published in DIR and how
                           many PCs run each
  -h, --help               this help
  -V, --version            the version

Signals: SIGTERM and SIGINT stop it cleanly (outstanding passwords are expired first);
SIGHUP reopens --audit-log.
Exit status: 0 stopped by a signal, 1 cannot start (the message says why), 2 bad command line.
`;

const labelPattern = /^([A-Za-z][A-Za-z0-9-]{0,19})=(.+)$/;

/** --libvirt [LABEL=]URI once per host and --libvirt-vnc-host [LABEL=]HOST. */
function libvirtHosts(uris: readonly string[], vncHosts: readonly string[]): LibvirtHostSpec[] {
  const hosts = uris.map((text) => {
    const match = labelPattern.exec(text);
    const uri = match?.[2] ?? text;
    if (!/^[a-z][a-z0-9+]*:\/\//.test(uri))
      throw new UsageError(`--libvirt ${text}: expected [LABEL=]URI, e.g. qemu:///system or lab2=qemu+ssh://vmhost2/system`);
    return { uri, label: match?.[1] };
  });
  if (hosts.length > 1 && hosts.some((host) => host.label === undefined))
    throw new UsageError('--libvirt given more than once: give each VM host a label (--libvirt LABEL=URI) so guest ids stay unique');
  const labels = new Set<string>();
  for (const host of hosts) {
    if (host.label !== undefined && labels.has(host.label)) throw new UsageError(`--libvirt: the label ${host.label} is given twice`);
    if (host.label !== undefined) labels.add(host.label);
  }
  const vncHostOf = new Map<string | undefined, string>();
  for (const text of vncHosts) {
    const match = labelPattern.exec(text);
    const [label, host] = match ? [match[1], match[2] ?? ''] : [undefined, text];
    if (hosts.length === 0) throw new UsageError('--libvirt-vnc-host needs --libvirt');
    if (!isHost(host)) throw new UsageError(`--libvirt-vnc-host ${text}: expected [LABEL=]HOST with a host name or address`);
    if (label !== undefined && !labels.has(label)) throw new UsageError(`--libvirt-vnc-host ${text}: no --libvirt has the label ${label}`);
    vncHostOf.set(label, host);
  }
  return hosts.map((host) => ({ ...host, vncHost: (host.label === undefined ? undefined : vncHostOf.get(host.label)) ?? vncHostOf.get(undefined) }));
}

function number(name: string, text: string | undefined, fallback: number, min: number, max: number): number {
  if (text === undefined) return fallback;
  if (!/^\d{1,9}$/.test(text) || Number(text) < min || Number(text) > max)
    throw new UsageError(`--${name} ${text}: expected a whole number from ${min} to ${max}`);
  return Number(text);
}

/** HOST:PORT, [IPv6]:PORT or :PORT. */
export function parseListen(text: string): { host: string; port: number } {
  const match = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]]*)):(\d{1,5})$/.exec(text);
  const port = Number(match?.[3]);
  if (!match || port < 1 || port > 65535) throw new UsageError(`--listen ${text}: expected HOST:PORT, [IPv6]:PORT or :PORT`);
  const host = match[1] ?? (match[2] === '' ? '0.0.0.0' : (match[2] ?? ''));
  if (match[1] !== undefined && isIP(host) !== 6) throw new UsageError(`--listen ${text}: ${host} is not an IPv6 address`);
  return { host, port };
}

export function parseBrokerCommandLine(args: readonly string[]): { help: boolean; version: boolean; options: BrokerOptions | undefined } {
  const { command, options } = parseSubcommandLine(args, brokerOptionSpecs);
  if (command !== undefined) throw new UsageError(`unexpected operand '${command}'`);
  if (options.help || options.version) return { help: options.help === true, version: options.version === true, options: undefined };
  if (options.catalog === undefined) throw new UsageError('--catalog FILE is required');
  if ((options['tls-cert'] === undefined) !== (options['tls-key'] === undefined)) throw new UsageError('--tls-cert and --tls-key go together');
  if (options['client-ca'] !== undefined && options['tls-cert'] === undefined) throw new UsageError('--client-ca needs https (--tls-cert and --tls-key)');
  let allow: AllowList;
  try {
    allow = parseAllowList(options.allow ?? []);
  } catch (error) {
    throw new UsageError((error as AllowError).message, { cause: error });
  }
  const leaseRenewMs = number('lease-renew', options['lease-renew'], 15, 1, 3600) * 1000;
  const leaseGraceMs = number('lease-grace', options['lease-grace'], 60, 2, 86_400) * 1000;
  if (leaseGraceMs <= leaseRenewMs) throw new UsageError('--lease-grace must be longer than --lease-renew (a lease would end between two renewals)');
  if (options['published-root'] !== undefined && options['admin-token-file'] === undefined)
    throw new UsageError('--published-root is shown on the admin page: it needs --admin-token-file');
  const { host, port } = parseListen(options.listen ?? '0.0.0.0:8080');
  return {
    help: false,
    version: false,
    options: {
      catalog: options.catalog,
      host,
      port,
      tls:
        options['tls-cert'] !== undefined && options['tls-key'] !== undefined
          ? { cert: options['tls-cert'], key: options['tls-key'], clientCa: options['client-ca'] }
          : undefined,
      allow,
      limits: {
        maxConnections: number('max-connections', options['max-connections'], defaultAccessLimits.maxConnections, 1, 100_000),
        requestsPerSecond: number('request-rate', options['request-rate'], defaultAccessLimits.requestsPerSecond, 1, 100_000),
        reportsPerHour: number('report-rate', options['report-rate'], defaultAccessLimits.reportsPerHour, 1, 100_000),
      },
      leaseRenewMs,
      leaseGraceMs,
      auditLog: options['audit-log'],
      leaseFile: options['lease-file'],
      reports: options.reports,
      probeIntervalMs: number('probe-interval', options['probe-interval'], 15, 0, 86_400) * 1000,
      probeTimeoutMs: number('probe-timeout', options['probe-timeout'], 2000, 100, 60_000),
      passwordTtlMs: number('password-ttl', options['password-ttl'], 30, 5, 86_400) * 1000,
      libvirt: libvirtHosts(options.libvirt ?? [], options['libvirt-vnc-host'] ?? []),
      libvirtStartTimeoutMs: number('libvirt-start-timeout', options['libvirt-start-timeout'], 60, 5, 3600) * 1000,
      resetGraceMs: number('reset-grace', options['reset-grace'], 30, 0, 86_400) * 1000,
      adminTokenFile: options['admin-token-file'],
      publishedRoot: options['published-root'],
    },
  };
}
