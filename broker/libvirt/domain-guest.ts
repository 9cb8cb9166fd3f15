// A libvirt domain as a catalog guest: its id (the rule in docs/vdd-broker.md), name and OS (vdd
// metadata, else title and libosinfo), protocol, the address clients reach it at, and its state,
// or unavailable with the reason when clients cannot use it. Pure: the host's listing and settings
// come in, the guest (or why there is none) goes out.
import { isIP } from 'node:net';
import { catalogLimits, guestSchema, type Guest, type GuestState } from '../../common/protocol/broker-protocol.ts';
import { stripControls } from '../../common/text/terminal-safe.ts';
import type { DomainDescription, VncListen } from './domain-xml.ts';
import type { VddMetadata } from './vdd-metadata.ts';

/** libvirt's domain states (virDomainState), as `virsh domstats --state` numbers them. */
export type DomainState = 'nostate' | 'running' | 'blocked' | 'paused' | 'shutdown' | 'shutoff' | 'crashed' | 'pmsuspended';
export const domainStates: readonly DomainState[] = ['nostate', 'running', 'blocked', 'paused', 'shutdown', 'shutoff', 'crashed', 'pmsuspended'];

/** What one VM host's settings say about addresses. */
export type HostContext = {
  /** Put before every domain's name in its id when the host has a label (--libvirt LABEL=URI). */
  readonly label: string | undefined;
  /** The host's name or address from its URI (qemu+ssh://vmhost2/system -> vmhost2), undefined for a local URI. */
  readonly uriHost: string | undefined;
  /** --libvirt-vnc-host: where clients reach consoles that listen on every address. */
  readonly vncHost: string | undefined;
  /** The broker's clients are on this machine (it listens on loopback only): loopback consoles are reachable. */
  readonly loopbackClients: boolean;
};

export type ListedDomain = {
  readonly description: DomainDescription;
  readonly state: DomainState;
  /** Why it cannot be used just now (a failed reset, a failed start), set by the host. */
  readonly problem?: string | undefined;
};

const idPattern = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/** The guest id: the domain's name (LABEL.NAME on a labelled host), or its UUID when the name cannot be an id. */
export function guestId(context: Pick<HostContext, 'label'>, description: Pick<DomainDescription, 'name' | 'uuid'>): string {
  const prefix = context.label === undefined ? '' : `${context.label}.`;
  const named = `${prefix}${description.name}`;
  return idPattern.test(named) ? named : `${prefix}${description.uuid}`;
}

const loopback = (address: string) => address === 'localhost' || address === '::1' || (isIP(address) === 4 && address.startsWith('127.'));
const everyAddress = (address: string) => address === '0.0.0.0' || address === '::' || address === '[::]';

/** Where clients reach a console that listens as given, or why they cannot. */
export function consoleHost(listen: VncListen, context: HostContext): { host: string } | { unreachable: string } | { atStart: true } {
  if (listen.kind === 'unreachable') return { unreachable: listen.why };
  if (listen.kind === 'at-start') return { atStart: true };
  const { address } = listen;
  if (everyAddress(address)) {
    const host = context.vncHost ?? context.uriHost ?? (context.loopbackClients ? '127.0.0.1' : undefined);
    return host === undefined
      ? { unreachable: `its VNC console listens on every address (${address}): give the address clients reach this VM host at with --libvirt-vnc-host` }
      : { host };
  }
  if (loopback(address)) {
    if (context.loopbackClients && context.uriHost === undefined) return { host: address === 'localhost' ? '127.0.0.1' : address };
    return {
      unreachable: `its VNC console listens on ${address} only, which thin clients cannot reach: give its graphics a listen address of the VM host (or vnc_listen in qemu.conf)`,
    };
  }
  return { host: address };
}

function catalogState(state: DomainState): { state: GuestState; reason?: string } {
  switch (state) {
    case 'running':
    case 'blocked':
      return { state: 'running' };
    case 'shutoff':
    case 'crashed':
      return { state: 'stopped' };
    case 'paused':
      return { state: 'unavailable', reason: 'the VM is paused' };
    case 'shutdown':
      return { state: 'unavailable', reason: 'the VM is shutting down' };
    case 'pmsuspended':
      return { state: 'unavailable', reason: 'the VM is suspended' };
    case 'nostate':
      return { state: 'unavailable', reason: 'libvirt reports no state for the VM' };
  }
}

export type DomainGuest = {
  readonly guest: Guest;
  /** The domain's vdd metadata (reset policy, pool), when valid. */
  readonly metadata: VddMetadata | undefined;
  /** The console needs a ticket for a session (a VNC guest). */
  readonly ticketed: boolean;
};

/** The domain's guest; undefined when it has neither VNC graphics nor an XDMCP address (nothing a thin client could show). */
export function domainGuest(domain: ListedDomain, context: HostContext): DomainGuest | undefined {
  const { description } = domain;
  const problem = description.metadata !== undefined && 'problem' in description.metadata ? description.metadata.problem : undefined;
  const metadata = description.metadata !== undefined && !('problem' in description.metadata) ? description.metadata : undefined;
  const protocol = metadata?.protocol ?? (metadata?.xdmcp ? 'xdmcp' : 'vnc');
  if (protocol === 'vnc' && description.vnc === undefined && problem === undefined && domain.problem === undefined) return undefined;
  const base = {
    id: guestId(context, description),
    name: stripControls(metadata?.name ?? description.title ?? description.name).slice(0, catalogLimits.maxNameLength),
    os: stripControls(metadata?.os ?? description.os ?? 'libvirt domain').slice(0, catalogLimits.maxOsLength),
    protocol,
    startable: true,
  } as const;
  const { state, reason: stateReason } = catalogState(domain.state);
  const unavailable = (reason: string): DomainGuest => ({
    guest: parse({ ...base, state: 'unavailable', reason }, { host: undefined, port: undefined }),
    metadata,
    ticketed: protocol === 'vnc',
  });
  if (problem !== undefined) return unavailable(problem);
  if (domain.problem !== undefined) return unavailable(domain.problem);
  if (stateReason !== undefined) return unavailable(stateReason);
  if (protocol === 'xdmcp') {
    const xdmcp = metadata?.xdmcp as { host: string; port: number };
    return { guest: parse({ ...base, state }, state === 'running' ? xdmcp : { host: undefined, port: undefined }), metadata, ticketed: false };
  }
  const vnc = description.vnc;
  if (vnc === undefined) return unavailable('it has no VNC console');
  const where = consoleHost(vnc.listen, context);
  if ('unreachable' in where) return unavailable(where.unreachable);
  if (state === 'stopped') return { guest: parse({ ...base, state, auth: 'vnc-password' }, { host: undefined, port: undefined }), metadata, ticketed: true };
  if (!vnc.hasPassword)
    return unavailable('its VNC console runs without a password (started outside the broker): shut the VM down and the broker starts it with console tickets');
  if (vnc.hasOwnPassword) return unavailable("its VNC console still has its definition's own password: the broker could not replace it (the log says why)");
  if ('atStart' in where || vnc.port === undefined) return unavailable('libvirt does not say where its running VNC console listens');
  return { guest: parse({ ...base, state, auth: 'vnc-password' }, { host: where.host, port: vnc.port }), metadata, ticketed: true };
}

/** Through the protocol's schema, so the catalog never serves what a client would reject. */
function parse(fields: Record<string, unknown>, address: { host: string | undefined; port: number | undefined }): Guest {
  const guest = { ...fields, ...(address.host === undefined ? {} : { host: address.host }), ...(address.port === undefined ? {} : { port: address.port }) };
  const parsed = guestSchema.safeParse(guest);
  if (parsed.success) return parsed.data;
  // An address from libvirt that is no host name (e.g. an interface-scoped IPv6 address) makes the guest unusable, not the catalog invalid.
  const { host: _host, port: _port, auth: _auth, ...rest } = guest as Record<string, unknown>;
  return guestSchema.parse({ ...rest, state: 'unavailable', reason: `libvirt gave an address clients cannot use: ${String(address.host)}` });
}
