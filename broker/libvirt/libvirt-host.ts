// One VM host (--libvirt [LABEL=]URI), through virsh: lists its domains in one virsh run per round
// (every domain's XML and state, and the list of domains), starts a stopped domain with its console closed (a
// random password that has already expired), sets and expires console tickets with
// update-device --live, reverts a domain to its snapshot, and follows libvirt's events (domains
// started or stopped, console connections) through one long-running `virsh event`.
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createInterface } from 'node:readline';
import type { Log } from '../log.ts';
import { domainStates, type DomainState, type ListedDomain } from './domain-guest.ts';
import { DomainXmlError, readDomainXml, type DomainDescription } from './domain-xml.ts';
import { fd3File, virsh, VirshError } from './virsh.ts';
import { serializeElement } from './xml-tree.ts';

const maxDomains = 500;
const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** A password nobody knows (8 characters: QEMU's VNC uses 8), for a console between tickets. */
export function unknownPassword(): string {
  return randomBytes(6).toString('base64url');
}

/** libvirt's passwdValidTo: UTC, to the second. */
function validTo(date: Date): string {
  return date.toISOString().slice(0, 19);
}

/** A time long past: a password valid until then is expired. */
const longAgo = new Date(Date.UTC(2000, 0, 1));

export type HostEvent =
  | { readonly kind: 'lifecycle'; readonly domain: string; readonly detail: string }
  /** remote: the client's address and port, which tells one connection from another. */
  | { readonly kind: 'console'; readonly domain: string; readonly phase: 'connect' | 'initialize' | 'disconnect'; readonly remote: string };

/** Lines of `virsh event --all --loop`. */
const eventLine = /^event '([a-z-]+)' for domain '(.*)': (.*)$/;

export function parseEventLine(line: string): HostEvent | undefined {
  const match = eventLine.exec(line.trim());
  if (!match) return undefined;
  const [, kind, domain = '', detail = ''] = match;
  if (kind === 'lifecycle') return { kind, domain, detail };
  const graphics = /^(connect|initialize|disconnect) local\[[^\]]*\] remote\[([^\]]*)\]/.exec(detail);
  if (kind === 'graphics' && graphics)
    return { kind: 'console', domain, phase: graphics[1] as 'connect' | 'initialize' | 'disconnect', remote: graphics[2] ?? '' };
  return undefined;
}

/** The `domstats --state` part of a listing: state by domain name. */
export function parseDomainStates(text: string): Map<string, DomainState> {
  const states = new Map<string, DomainState>();
  let name: string | undefined;
  for (const line of text.split('\n')) {
    const domain = /^Domain: '(.*)'$/.exec(line);
    if (domain) name = domain[1];
    const state = /^\s+state\.state=(\d+)$/.exec(line);
    if (state && name !== undefined) states.set(name, domainStates[Number(state[1])] ?? 'nostate');
  }
  return states;
}

export class LibvirtHost {
  readonly uri: string;
  private readonly log: Log;
  private readonly timeoutMs: number;
  private readonly actionTimeoutMs: number;
  private events: ChildProcess | undefined;
  private eventRestart: NodeJS.Timeout | undefined;
  private closed = false;
  /** The UUIDs of the last listing, whose XML the next one asks for at once. */
  private known: readonly string[] = [];
  /** The last listing's descriptions with the XML they were read from. */
  private parsed = new Map<string, { xml: string; description: DomainDescription }>();
  /** The events were lost and that was logged: said again only after they came back. */
  private eventsLost = false;

  /** timeoutMs bounds listing and tickets; actionTimeoutMs starts, reverts and restarts. */
  constructor(uri: string, options: { log: Log; timeoutMs: number; actionTimeoutMs: number }) {
    this.uri = uri;
    this.log = options.log;
    this.timeoutMs = options.timeoutMs;
    this.actionTimeoutMs = options.actionTimeoutMs;
  }

  private run(args: readonly string[], fileOnFd3?: string): Promise<string> {
    return virsh(this.uri, args, { timeoutMs: this.timeoutMs, ...(fileOnFd3 === undefined ? {} : { fileOnFd3 }) });
  }

  private act(args: readonly string[], fileOnFd3?: string): Promise<string> {
    return virsh(this.uri, args, { timeoutMs: this.actionTimeoutMs, ...(fileOnFd3 === undefined ? {} : { fileOnFd3 }) });
  }

  /**
   * Every domain with its XML and state, in one virsh run whatever the number of domains: the XML
   * of the domains of the last round, their states and the current list of UUIDs; a second run
   * only when domains were added. XML that did not change is not parsed again.
   */
  async list(): Promise<ListedDomain[]> {
    // Each part ends at a marker nobody can put in a domain's XML; a domain gone meanwhile leaves its part empty.
    const marker = `@@vdd-${randomBytes(12).toString('hex')}@@`;
    const dump = (uuids: readonly string[]) => uuids.map((uuid) => `dumpxml --security-info ${uuid} ; echo ${marker}`);
    const known = this.known;
    const parts = (await this.run([[...dump(known), 'domstats --state', `echo ${marker}`, 'list --all --uuid'].join(' ; ')])).split(marker);
    const current = (parts.at(-1) ?? '')
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => uuidPattern.test(line))
      .slice(0, maxDomains);
    let states = parseDomainStates(parts.at(-2) ?? '');
    const xmlOf = new Map(known.map((uuid, index) => [uuid, parts[index]?.trim() ?? '']));
    const added = current.filter((uuid) => !xmlOf.has(uuid));
    if (added.length > 0) {
      const more = (await this.run([[...dump(added), 'domstats --state'].join(' ; ')])).split(marker);
      for (const [index, uuid] of added.entries()) xmlOf.set(uuid, more[index]?.trim() ?? '');
      states = parseDomainStates(more.at(-1) ?? '');
    }
    this.known = current;
    const parsed = new Map<string, { xml: string; description: DomainDescription }>();
    const domains: ListedDomain[] = [];
    for (const uuid of current) {
      const xml = xmlOf.get(uuid) ?? '';
      if (xml === '') continue;
      let description = this.parsed.get(uuid)?.xml === xml ? this.parsed.get(uuid)?.description : undefined;
      try {
        description ??= readDomainXml(xml);
        if (description.uuid !== uuid) throw new DomainXmlError(`its XML names UUID ${description.uuid}`);
      } catch (error) {
        if (!(error instanceof DomainXmlError)) throw error;
        domains.push({ description: unreadable(uuid), state: 'nostate', problem: `libvirt's description of it cannot be read: ${error.message}` });
        continue;
      }
      parsed.set(uuid, { xml, description });
      domains.push({ description, state: states.get(description.name) ?? 'nostate' });
    }
    this.parsed = parsed;
    return domains;
  }

  /** The running domain's description (live XML), as libvirt reports it now. */
  async describe(uuid: string): Promise<DomainDescription> {
    return readDomainXml(await this.run(['dumpxml', '--security-info', uuid]));
  }

  /**
   * Starts a stopped domain with its console closed and returns its live description. A domain
   * defined with a console password (or with a saved state, which must be resumed as it was) is
   * started as it is and its password expired at once; one without is started from its definition
   * plus an expired random password (virsh create: the definition itself is left as it is).
   */
  async start(uuid: string): Promise<DomainDescription> {
    const marker = `@@vdd-${randomBytes(12).toString('hex')}@@`;
    const [stateText = '', inactive = ''] = (await this.run([`domstate --reason ${uuid} ; echo ${marker} ; dumpxml --inactive --security-info ${uuid}`])).split(
      marker,
    );
    const state = stateText.trim();
    const definition = readDomainXml(inactive);
    const busy = /^(paused|in shutdown|pmsuspended)/.exec(state)?.[1];
    if (busy !== undefined)
      throw new HostProblem(busy === 'paused' ? 'the VM is paused' : busy === 'in shutdown' ? 'the VM is shutting down' : 'the VM is suspended');
    if (!state.startsWith('running')) {
      const saved = /\(saved/.test(state);
      if (definition.vnc === undefined || definition.vnc.hasPassword || saved) {
        if (definition.vnc !== undefined && !definition.vnc.hasPassword)
          throw new HostProblem(
            'it has a saved state (virsh managedsave) and its VNC console no password: resume it once by hand, or give its graphics a passwd',
          );
        await this.act(['start', uuid]);
        const live = await this.describe(uuid);
        if (live.vnc) await this.setPassword(uuid, live, unknownPassword(), longAgo);
        return live;
      }
      await this.act(['create', fd3File], withExpiredPassword(inactive));
    }
    return this.describe(uuid);
  }

  /** Sets the console's password, valid until validUntil (libvirt passwdValidTo; QEMU refuses it afterwards). */
  async setPassword(uuid: string, live: DomainDescription, password: string, validUntil: Date): Promise<void> {
    const graphics = live.vnc;
    if (graphics === undefined) throw new HostProblem('it has no VNC console');
    const element = serializeElement(graphics.element, { passwd: password, passwdValidTo: validTo(validUntil) });
    await this.run(['update-device', uuid, fd3File, '--live'], element);
  }

  async expirePassword(uuid: string, live: DomainDescription): Promise<void> {
    await this.setPassword(uuid, live, unknownPassword(), longAgo);
  }

  /** Reverts the domain to the snapshot (running) with its console closed; returns its live description. */
  async revert(uuid: string, snapshot: string): Promise<DomainDescription> {
    await this.act(['snapshot-revert', uuid, '--snapshotname', snapshot, '--running']);
    const live = await this.describe(uuid);
    if (live.vnc) await this.expirePassword(uuid, live);
    return live;
  }

  /** Stops the domain at once (its transient disks lose their changes) and starts it again. */
  async restart(uuid: string): Promise<DomainDescription> {
    await this.act(['destroy', uuid]).catch((error: unknown) => {
      if (!(error instanceof VirshError) || !/not running/.test(error.said)) throw error;
    });
    return this.start(uuid);
  }

  /** Follows libvirt's events until close(); restarted a second after virsh ends (libvirtd restarted, host lost). */
  follow(listener: (event: HostEvent) => void): void {
    if (this.closed) return;
    const child = spawn('virsh', ['--quiet', '--connect', this.uri, 'event', '--all', '--loop'], {
      env: { ...process.env, LC_ALL: 'C' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.events = child;
    let said = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      said = (said + chunk.toString()).slice(-2000);
    });
    child.on('error', () => {});
    createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (line) => {
      this.eventsLost = false;
      const event = parseEventLine(line);
      if (event) listener(event);
    });
    child.on('close', () => {
      if (this.closed) return;
      if (!this.eventsLost)
        this.log(`libvirt events of ${this.uri} ended${said.trim() ? `: ${said.trim().replace(/\s*\n\s*/g, '; ')}` : ''}; following them again every 5 s`);
      this.eventsLost = true;
      listener({ kind: 'lifecycle', domain: '', detail: 'events lost' });
      this.eventRestart = setTimeout(() => this.follow(listener), 5000);
    });
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.eventRestart);
    this.events?.kill();
  }
}

/** A problem with one domain, in words for clients ("guest X cannot be started: <this>"). */
export class HostProblem extends Error {
  override readonly name = 'HostProblem';
}

/** A domain whose XML cannot be read, as far as the broker knows it. */
function unreadable(uuid: string): DomainDescription {
  return { uuid, name: uuid, title: undefined, os: undefined, running: false, vnc: undefined, metadata: undefined };
}

/** The definition with an expired random password on its VNC graphics (libvirt's own formatting: devices follow metadata). */
export function withExpiredPassword(definition: string): string {
  const devices = definition.indexOf('<devices>');
  const graphics = devices < 0 ? -1 : definition.indexOf("<graphics type='vnc'", devices);
  if (graphics < 0) throw new HostProblem('its definition has no VNC graphics the broker can give a password');
  const at = graphics + '<graphics'.length;
  const changed = `${definition.slice(0, at)} passwd='${unknownPassword()}' passwdValidTo='${validTo(longAgo)}'${definition.slice(at)}`;
  const check = readDomainXml(changed);
  if (!check.vnc?.hasPassword) throw new HostProblem('its definition could not be given a console password');
  return changed;
}
