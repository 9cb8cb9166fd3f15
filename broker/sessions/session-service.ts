// Answers session requests with a lease and, for guests behind a password-protected console, a
// one-time ticket: the desktop belongs to the PC that got it until its lease ends. The same PC
// asking again (same address, MAC and certificate) gets its own desktop back with a new ticket;
// any other PC gets `409 in-use` with who holds it and since when, never a password. A pool gives
// each PC a free desktop on the least loaded host. Also renews, holds and ends leases for their
// holders and ends them for admins. Every grant, refusal and end is audited. Passwords and tokens
// are never logged.
import type { ServerResponse } from 'node:http';
import type { ClientInfo, GuestState, GuestUse, LeaseRequest, SessionAnswer } from '../../common/protocol/broker-protocol.ts';
import type { Audit } from '../audit-log.ts';
import type { BrokerGuest } from '../catalog-file.ts';
import type { CatalogStore } from '../catalog-store.ts';
import type { ConsoleTickets } from '../consoles/console-ticket.ts';
import { newVncPassword } from '../consoles/vnc-password.ts';
import { HttpProblem } from '../http-body.ts';
import { GuestUnavailableError, type Hypervisor } from '../hypervisor.ts';
import type { Log } from '../log.ts';
import { LeaseBook, type SavedLeases, type Holder, type Lease, type LeaseEndReason, type LeaseView } from './lease-book.ts';
import { seatsOf, type MenuEntry } from './menu-entries.ts';

/** Where a request came from, as the connection says: never from a header the client writes. */
export type Peer = { readonly address: string; readonly certificate?: string | undefined };

export type SessionServiceOptions = {
  readonly ticketTtlMs: number;
  readonly renewMs: number;
  readonly graceMs: number;
  readonly log: Log;
  readonly audit: Audit;
  /** The backend of the guests a hypervisor manages (libvirt); absent when the catalog is static. */
  readonly hypervisor?: Hypervisor | undefined;
  /** The console that takes tickets for a desktop, when it has one. */
  readonly consoleOf: (desktop: BrokerGuest) => ConsoleTickets | undefined;
  /** The leases a previous run saved (--lease-file), and where to save them when they change. */
  readonly savedLeases?: SavedLeases | undefined;
  readonly saveLeases?: ((saved: SavedLeases) => void) | undefined;
  /** Clocks, for tests: monotonic ms and wall-clock time. */
  readonly monotonic?: () => number;
  readonly wallClock?: () => Date;
};

const usableStates: readonly GuestState[] = ['running', 'starting', 'stopped'];

/** The machine a desktop runs on, for spreading a pool: for a hypervisor's guest its VM host's
 * label (guest ids are LABEL.DOMAIN with several hosts), the same whether it runs or not; for a
 * guest of the catalog file its address. */
function hostOf(desktop: BrokerGuest, hypervisor: Hypervisor | undefined): string {
  const { id } = desktop.guest;
  if (hypervisor?.owns(id)) {
    const dot = id.indexOf('.');
    return `libvirt:${dot === -1 ? '' : id.slice(0, dot)}`;
  }
  return desktop.guest.host ?? '';
}

export class SessionService {
  readonly leases: LeaseBook;
  private readonly store: CatalogStore;
  private readonly options: SessionServiceOptions;
  private readonly holds = new Map<string, Set<ServerResponse>>();
  private readonly sweeper: NodeJS.Timeout;

  constructor(store: CatalogStore, options: SessionServiceOptions) {
    this.store = store;
    this.options = options;
    const { saveLeases } = options;
    this.leases = new LeaseBook({
      graceMs: options.graceMs,
      onEnd: (lease, reason) => this.ended(lease, reason),
      ...(saveLeases ? { onChange: () => saveLeases(this.leases.saved()) } : {}),
      ...(options.monotonic ? { monotonic: options.monotonic } : {}),
      ...(options.wallClock ? { wallClock: options.wallClock } : {}),
    });
    if (options.savedLeases !== undefined) this.leases.restore(options.savedLeases);
    store.describeUse((entry) => this.use(entry));
    this.sweeper = setInterval(() => this.leases.sweep(), 1000);
    this.sweeper.unref();
  }

  async request(entryId: string, client: ClientInfo, peer: Peer): Promise<SessionAnswer> {
    const holder: Holder = { address: peer.address, mac: client.mac, hostname: client.hostname ?? '', certificate: peer.certificate };
    const who = { peer: peer.address, mac: client.mac, host: holder.hostname || undefined };
    const refuse = (problem: HttpProblem): never => {
      this.options.audit('session-refused', { guest: entryId, ...who, code: problem.code, reason: problem.message });
      throw problem;
    };
    const entry = this.store.findEntry(entryId);
    if (entry === undefined) return refuse(new HttpProblem(404, 'not-found', `no guest with id ${entryId}`));
    const ids = entry.desktops.map((desktop) => desktop.guest.id);
    let lease = this.leases.heldBy(ids, holder);
    let token: string;
    let fresh = false;
    if (lease !== undefined) {
      token = this.leases.reissue(lease);
    } else {
      const desktop = this.pick(entry);
      if (!('guest' in desktop)) return refuse(desktop.problem);
      // A PC runs one session at a time: what it held before (a crash, a launcher started again) is over.
      for (const other of this.leases.ofHolder(holder)) this.leases.end(other.id, 'ended');
      ({ lease, token } = this.leases.grant(entry.guest.id, desktop.guest.id, holder));
      fresh = true;
      this.store.changed();
    }
    const desktop = this.store.find(lease.guest);
    if (desktop === undefined) {
      this.leases.end(lease.id, 'guest-gone');
      return refuse(new HttpProblem(404, 'not-found', `guest ${lease.guest} is no longer in the catalog`));
    }
    try {
      const { state, host, port } = await this.ready(desktop, holder, { continues: !fresh });
      const expiresAt = new Date(this.leases.wallNow().getTime() + this.options.ticketTtlMs);
      const password = await this.ticket(desktop, lease);
      this.options.audit('session', {
        guest: entry.guest.id,
        desktop: desktop.guest.id === entry.guest.id ? undefined : desktop.guest.id,
        lease: lease.id,
        ...who,
        lease_state: fresh ? 'new' : 'resumed',
        ticket: password === undefined ? 'none' : `until ${expiresAt.toISOString()}`,
      });
      return {
        state,
        host,
        port,
        ...(password === undefined ? {} : { password }),
        expiresAt: expiresAt.toISOString(),
        lease: {
          id: lease.id,
          token,
          guest: desktop.guest.id,
          renewSeconds: Math.round(this.options.renewMs / 1000),
          graceSeconds: Math.round(this.options.graceMs / 1000),
        },
      };
    } catch (error) {
      if (fresh) this.leases.end(lease.id, 'failed');
      return refuse(error instanceof HttpProblem ? error : new HttpProblem(500, 'internal', 'internal error'));
    }
  }

  /** POST /v1/leases/{id}/renew: the holder is still there. A lease this broker does not know (it
   * restarted) is taken back when the holder names its desktop and the seat is still free. */
  renew(id: string, request: LeaseRequest, peer: Peer): void {
    const lease = this.authenticate(id, request, peer, 'renew') ?? this.rebuild(id, request, peer);
    this.leases.seen(lease);
  }

  /** POST /v1/leases/{id}/hold: keeps the lease alive while this answer stays open (exec mode,
   * where no launcher is left to renew). The answer ends when the lease does. */
  hold(id: string, request: LeaseRequest, peer: Peer, response: ServerResponse): void {
    const lease = this.authenticate(id, request, peer, 'hold');
    const release = this.leases.hold(lease);
    const open = this.holds.get(id) ?? new Set<ServerResponse>();
    this.holds.set(id, open);
    open.add(response);
    response.once('close', () => {
      release();
      open.delete(response);
      if (open.size === 0) this.holds.delete(id);
    });
    response.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' });
    response.write(`${JSON.stringify({ held: id })}\n`);
  }

  /** POST /v1/leases/{id}/end: the holder's session is over. */
  end(id: string, request: LeaseRequest, peer: Peer): void {
    const lease = this.authenticate(id, request, peer, 'end');
    this.leases.end(lease.id, 'ended');
  }

  /** A PC's report says its session on entryId is over: the lease it holds there (same address and
   * MAC) ends, as if the launcher had ended it. A report from any other PC changes nothing. */
  reportedOver(entryId: string, mac: string, address: string): void {
    const ids = this.store.findEntry(entryId)?.desktops.map((desktop) => desktop.guest.id) ?? [entryId];
    for (const view of this.leases.list()) if (ids.includes(view.guest) && view.address === address && view.mac === mac) this.leases.end(view.id, 'ended');
  }

  /** An admin ends a lease (the desktop becomes free; the holder's next renew learns it). */
  endByAdmin(id: string): LeaseView | undefined {
    const lease = this.leases.end(id, 'admin');
    return lease === undefined ? undefined : this.leases.view(lease);
  }

  /** Every lease, for the admin's view. */
  list(): LeaseView[] {
    return this.leases.list();
  }

  /** How an entry is used now, as the catalog shows it. */
  use(entry: MenuEntry): GuestUse {
    let sessions = 0;
    let seats: number | undefined = 0;
    for (const desktop of entry.desktops) {
      sessions += this.leases.count(desktop.guest.id);
      const of = seatsOf(desktop);
      seats = seats === undefined || of === undefined ? undefined : seats + of;
    }
    const use: { -readonly [K in keyof GuestUse]: GuestUse[K] } = { sessions };
    if (seats !== undefined) use.seats = seats;
    if (entry.pool) use.desktops = entry.desktops.length;
    if (seats !== undefined && sessions >= seats) {
      const { by, since, freeAt } = this.whoHolds(entry);
      Object.assign(use, entry.pool ? { freeAt } : { by, since, freeAt });
      for (const key of ['by', 'since', 'freeAt'] as const) if (use[key] === undefined) delete use[key];
    }
    return use;
  }

  async close(consoles: readonly ConsoleTickets[]): Promise<void> {
    clearInterval(this.sweeper);
    for (const open of this.holds.values()) for (const response of open) response.end();
    await Promise.all(consoles.map((console) => console.close()));
  }

  /** The desktop for a new lease: one with a free seat, up (or startable), on the least loaded host. */
  private pick(entry: MenuEntry): BrokerGuest | { problem: HttpProblem } {
    const free = entry.desktops.filter((desktop) => {
      const seats = seatsOf(desktop);
      return seats === undefined || this.leases.count(desktop.guest.id) < seats;
    });
    if (free.length === 0) {
      const { by, since, freeAt } = this.whoHolds(entry);
      const what = entry.pool ? `all ${entry.desktops.length} desktops of ${entry.guest.id} are in use` : `guest ${entry.guest.id} is in use`;
      const detail = entry.pool ? (freeAt ? `; one is expected free at ${freeAt}` : '') : ` by ${by} since ${since}`;
      // Who holds one desktop of a pool says nothing useful: a pool's refusal says when one is expected.
      const problem = new HttpProblem(409, 'in-use', `${what}${detail}`, {}, { details: entry.pool ? { freeAt } : { by, since, freeAt } });
      return { problem };
    }
    const candidates = entry.pool ? free.filter((desktop) => this.usable(desktop)) : free;
    if (candidates.length === 0) return { problem: new HttpProblem(503, 'unavailable', `no desktop of ${entry.guest.id} is up now`) };
    const load = new Map<string, number>();
    for (const view of this.leases.list()) {
      const desktop = this.store.find(view.guest);
      if (desktop !== undefined) {
        const host = hostOf(desktop, this.options.hypervisor);
        load.set(host, (load.get(host) ?? 0) + 1);
      }
    }
    const score = (desktop: BrokerGuest) => [load.get(hostOf(desktop, this.options.hypervisor)) ?? 0, this.leases.count(desktop.guest.id)] as const;
    let best = candidates[0] as BrokerGuest;
    for (const desktop of candidates.slice(1)) {
      const [a, b] = [score(desktop), score(best)];
      if (a[0] < b[0] || (a[0] === b[0] && a[1] < b[1])) best = desktop;
    }
    return best;
  }

  private usable(desktop: BrokerGuest): boolean {
    const state = this.store.stateOf(desktop.guest.id) ?? desktop.guest.state;
    return usableStates.includes(state) && (state !== 'stopped' || desktop.guest.startable === true);
  }

  /** Who holds a full entry (the oldest lease) and when a seat is expected free: the earliest end
   * of a lease whose holder has stopped renewing (a PC that vanished); unknown otherwise. */
  private whoHolds(entry: MenuEntry): { by?: string; since?: string; freeAt?: string } {
    const leases = entry.desktops.flatMap((desktop) => this.leases.onGuest(desktop.guest.id));
    const oldest = leases.reduce<Lease | undefined>((first, lease) => (first === undefined || lease.startedAt < first.startedAt ? lease : first), undefined);
    const overdue = this.leases.now() - this.options.renewMs * 2;
    const ends = leases
      .filter((lease) => lease.lastSeen < overdue)
      .map((lease) => this.leases.expiresAt(lease)?.getTime())
      .filter((time): time is number => time !== undefined);
    return {
      ...(oldest === undefined ? {} : { by: oldest.holder.hostname || oldest.holder.address, since: oldest.startedAt.toISOString() }),
      ...(ends.length === 0 ? {} : { freeAt: new Date(Math.min(...ends)).toISOString() }),
    };
  }

  /** Makes the desktop ready: a hypervisor's guest is started if needed and answers with the
   * console address the hypervisor reports; a guest of the file must be up already. */
  private async ready(
    desktop: BrokerGuest,
    holder: Holder,
    session: { readonly continues: boolean },
  ): Promise<{ state: GuestState; host: string; port: number }> {
    const { guest } = desktop;
    const state = this.store.stateOf(guest.id) ?? guest.state;
    const hypervisor = this.options.hypervisor;
    if (hypervisor?.owns(guest.id)) {
      try {
        const endpoint = await hypervisor.ensureRunning(guest.id, session);
        if (state !== 'running') this.options.log(`guest ${guest.id} is ready for ${holder.hostname || holder.address} (${holder.mac})`);
        return { state: state === 'running' ? 'running' : 'starting', ...endpoint };
      } catch (error) {
        if (!(error instanceof GuestUnavailableError)) throw error;
        this.options.log(`no session on guest ${guest.id} for ${holder.hostname || holder.address} (${holder.mac}): ${error.detail}`);
        throw new HttpProblem(503, 'unavailable', error.reason, {}, { cause: error });
      }
    }
    if (state === 'stopped') throw new HttpProblem(409, 'not-startable', `guest ${guest.id} is stopped and this broker cannot start it`);
    if (guest.host === undefined || guest.port === undefined) throw new HttpProblem(503, 'unavailable', `guest ${guest.id} has no address`);
    return { state, host: guest.host, port: guest.port };
  }

  /** A one-time ticket on the desktop's console, bound to the lease; undefined when it has no such console. */
  private async ticket(desktop: BrokerGuest, lease: Lease): Promise<string | undefined> {
    const console = this.options.consoleOf(desktop);
    if (console === undefined) return undefined;
    const password = newVncPassword();
    try {
      await console.set(desktop.guest.id, {
        password,
        ttlMs: this.options.ticketTtlMs,
        used: () => {
          if (this.leases.find(lease.id) === lease) this.leases.seen(lease);
          this.options.audit('ticket-used', { guest: desktop.guest.id, lease: lease.id, peer: lease.holder.address, mac: lease.holder.mac });
        },
      });
    } catch (error) {
      this.options.log(`cannot set a ticket on guest ${desktop.guest.id}: ${(error as Error).message}`);
      throw new HttpProblem(503, 'unavailable', `guest ${desktop.guest.id}: the broker could not set a password`, {}, { cause: error });
    }
    return password;
  }

  private authenticate(id: string, request: LeaseRequest, peer: Peer, action: string): Lease;
  private authenticate(id: string, request: LeaseRequest, peer: Peer, action: 'renew'): Lease | undefined;
  private authenticate(id: string, request: LeaseRequest, peer: Peer, action: string): Lease | undefined {
    const lease = this.leases.authenticate(id, request.token);
    const refuse = (problem: HttpProblem): never => {
      this.options.audit('lease-refused', { lease: id, action, peer: peer.address, code: problem.code, reason: problem.message });
      throw problem;
    };
    if (lease === undefined) {
      if (this.leases.find(id) !== undefined) return refuse(new HttpProblem(403, 'forbidden', `lease ${id}: wrong token`));
      if (action === 'renew') return undefined;
      return refuse(new HttpProblem(404, 'not-found', `lease ${id} has ended`));
    }
    if (lease.holder.address !== peer.address || lease.holder.certificate !== peer.certificate)
      return refuse(new HttpProblem(403, 'forbidden', `lease ${id} belongs to another PC`));
    return lease;
  }

  /** A renew for a lease this broker does not know: it restarted without it, or the lease ended. */
  private rebuild(id: string, request: LeaseRequest, peer: Peer): Lease {
    const { client } = request;
    const desktop = request.guest === undefined ? undefined : this.store.find(request.guest);
    const refuse = (reason: string): never => {
      this.options.audit('lease-refused', { lease: id, action: 'renew', peer: peer.address, mac: client?.mac, code: 'not-found', reason });
      throw new HttpProblem(404, 'not-found', `lease ${id} has ended`);
    };
    if (desktop === undefined || client === undefined) return refuse('unknown lease');
    // Ended here (by an admin, or expired): over for good. Only a lease from before a restart is taken back.
    if (this.leases.hasEnded(id)) return refuse('the lease ended');
    const seats = seatsOf(desktop);
    if (seats !== undefined && this.leases.count(desktop.guest.id) >= seats) return refuse(`unknown lease; ${desktop.guest.id} is held by another PC`);
    const holder: Holder = { address: peer.address, mac: client.mac, hostname: client.hostname ?? '', certificate: peer.certificate };
    const entry = desktop.backend.pool ?? desktop.guest.id;
    const { lease } = this.leases.grant(entry, desktop.guest.id, holder, { id, token: request.token });
    this.store.changed();
    this.options.audit('lease-rebuilt', {
      guest: entry,
      desktop: desktop.guest.id,
      lease: id,
      peer: peer.address,
      mac: client.mac,
      host: holder.hostname || undefined,
    });
    return lease;
  }

  private ended(lease: Lease, reason: LeaseEndReason): void {
    const desktop = this.store.find(lease.guest);
    const console = desktop === undefined ? undefined : this.options.consoleOf(desktop);
    const hypervisor = this.options.hypervisor;
    // The desktop is fresh again before anyone else gets it, when its policy says so.
    void Promise.resolve(console?.expire(lease.guest)).then(async () => {
      if (hypervisor?.owns(lease.guest) && this.leases.count(lease.guest) === 0)
        await hypervisor.resetAfterSession(lease.guest).catch((error: unknown) => this.options.log(`guest ${lease.guest}: ${(error as Error).message}`));
    });
    for (const response of this.holds.get(lease.id) ?? []) response.end();
    this.store.changed();
    this.options.audit('lease-end', {
      guest: lease.entry,
      desktop: lease.guest === lease.entry ? undefined : lease.guest,
      lease: lease.id,
      reason,
      peer: lease.holder.address,
      mac: lease.holder.mac,
      host: lease.holder.hostname || undefined,
      since: lease.startedAt.toISOString(),
    });
  }
}
