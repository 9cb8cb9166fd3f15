// libvirt as the broker's hypervisor (broker/hypervisor.ts) over one or more VM hosts (--libvirt
// given once per host): lists every host in parallel (a host that does not answer makes only its
// own guests unavailable), merges their domains into catalog guests with stable ids, starts a
// stopped domain once however many PCs ask at the same time, answers with the console address
// libvirt reports, sets console tickets, and gives reset: after-session guests a fresh desktop
// (snapshot revert or restart) once their session is over: the launcher says so (lease end), or the
// console connection has been gone for the grace time. Listed again every refresh interval and at
// once when libvirt reports a domain started or stopped.
import type { BrokerGuest } from '../catalog-file.ts';
import { type ConsoleEvent, type Endpoint, type GuestPolicy, GuestUnavailableError, type Hypervisor } from '../hypervisor.ts';
import type { Log } from '../log.ts';
import { LogOnce } from '../log-once.ts';
import { consoleHost, type DomainGuest, domainGuest, type HostContext, type ListedDomain } from './domain-guest.ts';
import type { DomainDescription } from './domain-xml.ts';
import { type HostEvent, HostProblem, LibvirtHost } from './libvirt-host.ts';
import { VirshError } from './virsh.ts';

export type LibvirtHostSpec = {
  readonly uri: string;
  /** LABEL of --libvirt LABEL=URI: the prefix of its guests' ids. */
  readonly label: string | undefined;
  readonly vncHost: string | undefined;
};

export type LibvirtOptions = {
  readonly log: Log;
  /** Called with every host's guests after each listing (and when a guest's state changes here). */
  readonly publish: (guests: readonly BrokerGuest[]) => void;
  /** The broker listens on loopback only: its clients reach loopback consoles. */
  readonly loopbackClients: boolean;
  readonly refreshMs: number;
  readonly startTimeoutMs: number;
  /** How long a reset: after-session guest's console may stay disconnected before the session counts as over. */
  readonly resetGraceMs: number;
  /** Whether a PC holds a lease on the guest (the session service knows). */
  readonly leased: (id: string) => boolean;
};

type Host = {
  readonly spec: LibvirtHostSpec;
  readonly name: string;
  readonly client: LibvirtHost;
  readonly context: HostContext;
  listing: ListedDomain[] | undefined;
  /** Why the last listing failed, for clients; undefined while the host answers. */
  down: string | undefined;
};

type Entry = { readonly host: Host; readonly uuid: string; readonly name: string; readonly domain: DomainGuest };

/** How soon a VM host that does not answer is asked again. */
const downRetryMs = 3000;

/** A guest's key across hosts: the host's place in the list and the domain's UUID (names change, UUIDs do not). */
const keyOf = (entry: { host: Host; uuid: string }) => `${entry.host.name} ${entry.uuid}`;

/** What a host's URI says about where it is (qemu+ssh://vmhost2/system -> vmhost2). */
function uriHost(uri: string): string | undefined {
  try {
    const host = new URL(uri).hostname.replace(/^\[|\]$/g, '');
    return host === '' ? undefined : host;
  } catch {
    return undefined;
  }
}

export class LibvirtHypervisor implements Hypervisor {
  private readonly options: LibvirtOptions;
  private readonly said: LogOnce;
  private readonly hosts: Host[];
  private entries = new Map<string, Entry>();
  /** One operation at a time per domain (start, reset), in order. */
  private readonly queues = new Map<string, Promise<unknown>>();
  private readonly starts = new Map<string, Promise<Endpoint>>();
  private readonly live = new Map<string, DomainDescription>();
  private readonly problems = new Map<string, string>();
  /** reset: after-session domains known to be fresh (reverted, no ticket since). */
  private readonly fresh = new Set<string>();
  /** Authenticated console connections by domain key (remote address and port). */
  private readonly connections = new Map<string, Set<string>>();
  private readonly graceTimers = new Map<string, NodeJS.Timeout>();
  private readonly listeners: Array<(event: ConsoleEvent) => void> = [];
  private refreshTimer: NodeJS.Timeout | undefined;
  private soonTimer: NodeJS.Timeout | undefined;
  private refreshing: Promise<void> | undefined;
  private closed = false;

  constructor(specs: readonly LibvirtHostSpec[], options: LibvirtOptions) {
    this.options = options;
    this.said = new LogOnce(options.log);
    this.hosts = specs.map((spec) => ({
      spec,
      name: spec.label ?? spec.uri,
      client: new LibvirtHost(spec.uri, { log: options.log, timeoutMs: 10_000, actionTimeoutMs: options.startTimeoutMs }),
      context: { label: spec.label, uriHost: uriHost(spec.uri), vncHost: spec.vncHost, loopbackClients: options.loopbackClients },
      listing: undefined,
      down: undefined,
    }));
  }

  /** Lists every host now, then every refresh interval (every few seconds while a host does not answer), and follows their events. */
  async start(): Promise<void> {
    await this.refresh();
    for (const host of this.hosts) host.client.follow((event) => this.onHostEvent(host, event));
  }

  /** One round: every host listed in parallel, the guests published; the next round is planned after it. */
  refresh(): Promise<void> {
    this.refreshing ??= Promise.all(this.hosts.map((host) => this.list(host)))
      .then(() => this.publish())
      .catch((error: unknown) =>
        this.options.log(`listing the libvirt guests failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`),
      )
      .finally(() => {
        this.refreshing = undefined;
        this.planNextRound();
      });
    return this.refreshing;
  }

  private planNextRound(): void {
    if (this.closed) return;
    clearTimeout(this.refreshTimer);
    const delay = this.hosts.some((host) => host.down !== undefined) ? Math.min(this.options.refreshMs, downRetryMs) : this.options.refreshMs;
    this.refreshTimer = setTimeout(() => void this.refresh(), delay);
  }

  private async list(host: Host): Promise<void> {
    try {
      host.listing = await host.client.list();
      if (await this.closeOwnPasswords(host)) host.listing = await host.client.list();
      if (host.down !== undefined) this.options.log(`VM host ${host.name} answers again: ${host.listing.length} domains`);
      host.down = undefined;
      this.said.forget(`host ${host.name}`);
    } catch (error) {
      const why = error instanceof Error ? error.message : String(error);
      host.down = 'its VM host does not answer';
      this.said.say(
        `host ${host.name}`,
        host.listing === undefined
          ? `VM host ${host.name}: cannot list its domains: ${why}`
          : `VM host ${host.name} does not answer; its ${host.listing.length} guests are unavailable until it does: ${why}`,
      );
    }
  }

  /** A running console whose password is the definition's own (the domain was started outside
   * the broker: `virsh start`) gets one nobody knows, as between sessions, before it is served:
   * only tickets open a console the broker serves. Returns whether any was closed. */
  private async closeOwnPasswords(host: Host): Promise<boolean> {
    let closed = false;
    for (const { description } of host.listing ?? []) {
      const key = keyOf({ host, uuid: description.uuid });
      if (!description.running || !description.vnc?.hasOwnPassword || this.starts.has(key)) continue;
      try {
        await this.serially(key, () => host.client.expirePassword(description.uuid, description));
        this.options.log(
          `libvirt domain ${description.name} on ${host.name}: its console's own password (from its definition) is replaced by one nobody knows; sessions get tickets`,
        );
        this.said.forget(`own ${key}`);
        closed = true;
      } catch (error) {
        this.said.say(
          `own ${key}`,
          `libvirt domain ${description.name} on ${host.name}: cannot replace its console's own password: ${(error as Error).message}`,
        );
      }
    }
    return closed;
  }

  /** Builds every host's guests (ids unique across hosts), logs what cannot be listed once, and hands them on. */
  private publish(): void {
    const entries = new Map<string, Entry>();
    const guests: BrokerGuest[] = [];
    for (const host of this.hosts) {
      for (const listed of host.listing ?? []) {
        const key = `${host.name} ${listed.description.uuid}`;
        const problem = host.down ?? listed.problem ?? this.problems.get(key);
        const domain = domainGuest({ ...listed, problem }, host.context);
        const what = `libvirt domain ${listed.description.name} on ${host.name}`;
        if (domain === undefined) {
          this.said.say(key, `${what}: not listed (it has no VNC console and no vdd metadata with an XDMCP address)`);
          continue;
        }
        const { id } = domain.guest;
        if (entries.has(id)) {
          this.said.say(key, `${what}: not listed: its id ${id} is already taken (give each --libvirt a LABEL=)`);
          continue;
        }
        if (domain.guest.reason !== undefined && host.down === undefined) this.said.say(key, `${what} (guest ${id}) is unavailable: ${domain.guest.reason}`);
        else this.said.forget(key);
        const entry = { host, uuid: listed.description.uuid, name: listed.description.name, domain };
        entries.set(id, entry);
        const starting = this.starts.has(key) && domain.guest.state !== 'running';
        guests.push({ guest: starting ? { ...domain.guest, state: 'starting' } : domain.guest, backend: { pool: domain.metadata?.pool } });
      }
    }
    this.entries = entries;
    this.forgetGone(
      new Set([...entries.values()].map(keyOf)),
      new Set(this.hosts.filter((host) => host.listing !== undefined && host.down === undefined).map((host) => host.name)),
    );
    this.options.publish(guests);
  }

  /** Forgets what it knew of domains that a host answering now no longer lists (undefined, or renamed on another UUID). */
  private forgetGone(listed: ReadonlySet<string>, answering: ReadonlySet<string>): void {
    for (const known of [this.live, this.problems, this.connections] as Map<string, unknown>[])
      for (const key of [...known.keys()]) if (!listed.has(key) && answering.has(key.slice(0, key.lastIndexOf(' ')))) known.delete(key);
    for (const key of [...this.fresh]) if (!listed.has(key) && answering.has(key.slice(0, key.lastIndexOf(' ')))) this.fresh.delete(key);
  }

  /** Lists again soon (a domain started or stopped): several events in a row make one listing. */
  private refreshSoon(): void {
    clearTimeout(this.soonTimer);
    this.soonTimer = setTimeout(() => void this.refresh(), 150);
  }

  owns(id: string): boolean {
    return this.entries.has(id);
  }

  policy(id: string): GuestPolicy | undefined {
    const metadata = this.entries.get(id)?.domain.metadata;
    return this.entries.has(id) ? { pool: metadata?.pool, resetAfterSession: metadata?.reset !== undefined } : undefined;
  }

  private entry(id: string): Entry {
    const entry = this.entries.get(id);
    if (entry === undefined) throw new GuestUnavailableError(`guest ${id} is no longer listed by libvirt`);
    return entry;
  }

  /** Runs operation after the domain's earlier ones. */
  private serially<T>(key: string, operation: () => Promise<T>): Promise<T> {
    const run = (this.queues.get(key) ?? Promise.resolve()).then(operation, operation);
    const settled = run.then(
      () => {},
      () => {},
    );
    this.queues.set(key, settled);
    void settled.then(() => {
      if (this.queues.get(key) === settled) this.queues.delete(key);
    });
    return run;
  }

  ensureRunning(id: string, session: { readonly continues: boolean }): Promise<Endpoint> {
    const entry = this.entry(id);
    const key = keyOf(entry);
    const pending = this.starts.get(key);
    if (pending) return pending;
    const start = this.serially(key, () => this.makeReady(entry, session.continues)).finally(() => {
      this.starts.delete(key);
      this.refreshSoon();
    });
    this.starts.set(key, start);
    if (entry.domain.guest.state === 'stopped') this.publish();
    return start;
  }

  private async makeReady(entry: Entry, continues: boolean): Promise<Endpoint> {
    const { host, uuid, domain } = entry;
    const id = domain.guest.id;
    const key = keyOf(entry);
    if (host.down !== undefined) throw new GuestUnavailableError(`guest ${id} cannot be started: ${host.down}`);
    // A reason the domain itself gives (metadata, listen address, a failed reset) stands until it changes; its state is asked afresh below.
    const lasting =
      domain.guest.state === 'unavailable' && domain.guest.reason !== undefined && !/^the VM is |libvirt reports no state/.test(domain.guest.reason);
    if (lasting && !this.problems.has(key)) throw new GuestUnavailableError(`guest ${id} cannot be used: ${domain.guest.reason}`);
    let live: DomainDescription;
    try {
      const reset = domain.metadata?.reset;
      if (reset !== undefined && !continues && !this.fresh.has(key) && (this.connections.get(key)?.size ?? 0) === 0) live = await this.resetNow(entry);
      else live = await host.client.start(uuid);
    } catch (error) {
      throw this.unavailable(entry, 'cannot be started', error);
    }
    this.live.set(key, live);
    if (domain.guest.protocol === 'xdmcp') {
      const xdmcp = domain.metadata?.xdmcp;
      if (xdmcp === undefined) throw new GuestUnavailableError(`guest ${id} has no XDMCP address`);
      return { host: xdmcp.host, port: xdmcp.port };
    }
    const vnc = live.vnc;
    if (vnc === undefined || vnc.port === undefined) throw new GuestUnavailableError(`guest ${id} has no VNC console libvirt can name`);
    const where = consoleHost(vnc.listen, host.context);
    if ('unreachable' in where) {
      this.problems.set(key, where.unreachable);
      throw new GuestUnavailableError(`guest ${id} cannot be used: ${where.unreachable}`);
    }
    if ('atStart' in where) throw new GuestUnavailableError(`guest ${id}: libvirt does not say where its VNC console listens`);
    return { host: where.host, port: vnc.port };
  }

  /** The error for clients (a reason, never a command line or path) and the full story for the log. */
  private unavailable(entry: Entry, what: string, error: unknown): GuestUnavailableError {
    if (error instanceof GuestUnavailableError) return error;
    const id = entry.domain.guest.id;
    if (error instanceof HostProblem) return new GuestUnavailableError(`guest ${id} ${what}: ${error.message}`, error);
    if (error instanceof VirshError) {
      const said = error.said;
      const reason = /Domain not found|no domain with matching/.test(said)
        ? 'the VM no longer exists on its host'
        : error.timedOut || /failed to connect|Cannot recv data|End of file while reading|Failed to connect socket|timed out/.test(said)
          ? 'its VM host does not answer'
          : /snapshot not found|no domain snapshot/i.test(said)
            ? `its snapshot ${entry.domain.metadata?.reset?.snapshot ?? ''} is missing`
            : 'libvirt refused (the broker log says why)';
      return new GuestUnavailableError(`guest ${id} ${what}: ${reason}`, error);
    }
    return new GuestUnavailableError(`guest ${id} ${what}`, error);
  }

  private async liveOf(entry: Entry): Promise<DomainDescription> {
    const known = this.live.get(keyOf(entry));
    if (known) return known;
    const live = await entry.host.client.describe(entry.uuid);
    this.live.set(keyOf(entry), live);
    return live;
  }

  async setConsoleTicket(id: string, password: string, validUntil: Date): Promise<void> {
    const entry = this.entry(id);
    const key = keyOf(entry);
    this.fresh.delete(key);
    try {
      try {
        await entry.host.client.setPassword(entry.uuid, await this.liveOf(entry), password, validUntil);
      } catch (error) {
        // The console changed since it was last described (restarted elsewhere): describe it again, once.
        if (!(error instanceof VirshError)) throw error;
        this.live.delete(key);
        await entry.host.client.setPassword(entry.uuid, await this.liveOf(entry), password, validUntil);
      }
    } catch (error) {
      throw this.unavailable(entry, 'cannot be given a console ticket', error);
    }
  }

  async expireConsoleTicket(id: string): Promise<void> {
    const entry = this.entry(id);
    try {
      await entry.host.client.expirePassword(entry.uuid, await this.liveOf(entry));
    } catch (error) {
      throw this.unavailable(entry, 'cannot have its console ticket expired', error);
    }
  }

  async resetAfterSession(id: string): Promise<void> {
    const entry = this.entry(id);
    if (entry.domain.metadata?.reset === undefined) return;
    const key = keyOf(entry);
    clearTimeout(this.graceTimers.get(key));
    this.graceTimers.delete(key);
    try {
      await this.serially(key, () => this.resetNow(entry));
    } catch (error) {
      throw this.unavailable(entry, 'cannot be reset', error);
    } finally {
      this.refreshSoon();
    }
  }

  /** Reverts the domain to its snapshot (or restarts it for its transient disks): a failure stays its reason until a reset works. */
  private async resetNow(entry: Entry): Promise<DomainDescription> {
    const key = keyOf(entry);
    const snapshot = entry.domain.metadata?.reset?.snapshot;
    const what = `guest ${entry.domain.guest.id} (libvirt domain ${entry.name} on ${entry.host.name})`;
    try {
      const live = snapshot === undefined ? await entry.host.client.restart(entry.uuid) : await entry.host.client.revert(entry.uuid, snapshot);
      this.live.set(key, live);
      this.fresh.add(key);
      if (this.problems.delete(key)) this.publish();
      this.options.log(`${what}: ${snapshot === undefined ? 'restarted' : `reverted to snapshot ${snapshot}`} for a fresh desktop`);
      return live;
    } catch (error) {
      const failure = this.unavailable(entry, 'cannot be reset', error);
      this.options.log(`${what}: reset failed: ${failure.detail}`);
      this.problems.set(key, failure.reason.replace(/^guest \S+ /, ''));
      this.publish();
      throw failure;
    }
  }

  onConsoleEvent(listener: (event: ConsoleEvent) => void): void {
    this.listeners.push(listener);
  }

  private onHostEvent(host: Host, event: HostEvent): void {
    if (event.kind === 'lifecycle') {
      const entry = this.entryNamed(host, event.domain);
      // A domain started or stopped has a new console (or none): describe it again when needed.
      if (entry && /^(Stopped|Started)/.test(event.detail)) this.live.delete(keyOf(entry));
      if (entry && /^Stopped/.test(event.detail)) this.connections.delete(keyOf(entry));
      if (event.detail === 'events lost') for (const key of [...this.live.keys()]) if (key.startsWith(`${host.name} `)) this.live.delete(key);
      this.refreshSoon();
      return;
    }
    const entry = this.entryNamed(host, event.domain);
    if (entry === undefined || event.phase === 'connect') return;
    const key = keyOf(entry);
    const remote = event.remote;
    const open = this.connections.get(key) ?? new Set<string>();
    if (event.phase === 'initialize') {
      open.add(remote);
      this.connections.set(key, open);
      clearTimeout(this.graceTimers.get(key));
      this.emit({ id: entry.domain.guest.id, kind: 'connected', at: new Date() });
      return;
    }
    if (!open.delete(remote)) return;
    this.emit({ id: entry.domain.guest.id, kind: 'disconnected', at: new Date() });
    if (open.size === 0 && entry.domain.metadata?.reset !== undefined && !this.fresh.has(key)) {
      clearTimeout(this.graceTimers.get(key));
      const timer = setTimeout(() => {
        this.graceTimers.delete(key);
        // A PC that still holds a lease may reconnect (its viewer crashed): its lease's end resets it.
        if ((this.connections.get(key)?.size ?? 0) === 0 && !this.options.leased(entry.domain.guest.id))
          void this.resetAfterSession(entry.domain.guest.id).catch(() => {});
      }, this.options.resetGraceMs);
      timer.unref();
      this.graceTimers.set(key, timer);
    }
  }

  private entryNamed(host: Host, name: string): Entry | undefined {
    for (const entry of this.entries.values()) if (entry.host === host && entry.name === name) return entry;
    return undefined;
  }

  private emit(event: ConsoleEvent): void {
    for (const listener of this.listeners) listener(event);
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.refreshTimer);
    clearTimeout(this.soonTimer);
    for (const timer of this.graceTimers.values()) clearTimeout(timer);
    for (const host of this.hosts) host.client.close();
  }
}
