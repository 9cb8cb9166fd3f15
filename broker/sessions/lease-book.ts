// The leases: which PC holds which desktop. A lease is granted with a session, kept alive by its
// holder (renew requests, or an open hold connection in exec mode) and ended by the holder, by an
// admin, or by the broker when it was not seen for the grace time. Its token is kept only as a
// hash. Times that decide (last seen, expiry) are on the monotonic clock, so a clock jump on the
// broker neither ends leases early nor keeps dead ones; wall-clock times are for people only.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** Who asked: the address the connection came from (never a header), the MAC and host name it
 * claims, and the fingerprint of its client certificate when mutual TLS is on. */
export type Holder = {
  readonly address: string;
  readonly mac: string;
  readonly hostname: string;
  readonly certificate?: string | undefined;
};

export type LeaseEndReason = 'ended' | 'expired' | 'admin' | 'guest-gone' | 'failed';

export type Lease = {
  readonly id: string;
  /** The menu entry chosen (a guest, or a pool) and the desktop given. */
  readonly entry: string;
  readonly guest: string;
  readonly holder: Holder;
  readonly startedAt: Date;
  lastSeenAt: Date;
  /** performance.now() when last seen. */
  lastSeen: number;
  /** Open hold connections: while one is open the lease does not age. */
  holds: number;
};

/** A lease as admins and the audit log see it (no token). */
export type LeaseView = {
  readonly id: string;
  readonly entry: string;
  readonly guest: string;
  readonly address: string;
  readonly mac: string;
  readonly hostname: string;
  readonly startedAt: string;
  readonly lastSeenAt: string;
  readonly held: boolean;
  /** When it ends unless its holder is seen again (absent while held). */
  readonly expiresAt: string | undefined;
};

/** A lease as the lease file keeps it across a restart: its token's hash, never the token. */
export type SavedLease = {
  readonly id: string;
  readonly entry: string;
  readonly guest: string;
  readonly holder: Holder;
  readonly startedAt: string;
  readonly lastSeenAt: string;
  /** sha256 of the token, hex. */
  readonly tokenHash: string;
};

/** What a restart needs: the leases, and the ids of leases that ended lately (never taken back). */
export type SavedLeases = { readonly leases: readonly SavedLease[]; readonly ended: readonly string[] };

export type LeaseBookOptions = {
  readonly graceMs: number;
  /** Called after a lease ended, once. */
  readonly onEnd?: (lease: Lease, reason: LeaseEndReason) => void;
  /** Called after what saved() returns changed (a lease began, ended or got a new token). */
  readonly onChange?: () => void;
  readonly monotonic?: () => number;
  readonly wallClock?: () => Date;
};

const maxEnded = 100_000;
/** Ended ids a saved book keeps: enough for the leases that could be renewed across a restart. */
const maxSavedEnded = 1000;

const hash = (token: string) => createHash('sha256').update(token).digest();

function sameHolder(a: Holder, b: Holder): boolean {
  return a.address === b.address && a.mac === b.mac && a.certificate === b.certificate;
}

export class LeaseBook {
  private readonly leases = new Map<string, Lease>();
  private readonly tokens = new Map<string, Buffer>();
  private readonly byGuest = new Map<string, Set<Lease>>();
  private readonly options: LeaseBookOptions;
  private readonly monotonic: () => number;
  private readonly wallClock: () => Date;
  /** Bumped whenever a lease begins, changes holder token or ends (the admin page's stamp). */
  generation = 0;
  /** Ids of leases that ended since the broker started (the latest maxEnded): never taken back by a renewal. */
  private readonly ended = new Set<string>();

  constructor(options: LeaseBookOptions) {
    this.options = options;
    this.monotonic = options.monotonic ?? (() => performance.now());
    this.wallClock = options.wallClock ?? (() => new Date());
  }

  get graceMs(): number {
    return this.options.graceMs;
  }

  /** The book's monotonic clock, ms. */
  now(): number {
    return this.monotonic();
  }

  /** The book's wall clock. */
  wallNow(): Date {
    return this.wallClock();
  }

  /** A new lease on guest for holder; the token goes to the holder only. Synchronous, so two
   * requests can never both see a seat free. */
  grant(entry: string, guest: string, holder: Holder, restored?: { id: string; token: string }): { lease: Lease; token: string } {
    const id = restored?.id ?? `L${randomBytes(9).toString('base64url')}`;
    const token = restored?.token ?? randomBytes(24).toString('base64url');
    const now = this.wallClock();
    const lease: Lease = { id, entry, guest, holder, startedAt: now, lastSeenAt: now, lastSeen: this.monotonic(), holds: 0 };
    this.add(lease, hash(token));
    this.generation++;
    this.options.onChange?.();
    return { lease, token };
  }

  /** A new token for a lease whose holder asked again (a launcher started again does not know the old one). */
  reissue(lease: Lease): string {
    const token = randomBytes(24).toString('base64url');
    this.tokens.set(lease.id, hash(token));
    this.seen(lease);
    this.options.onChange?.();
    return token;
  }

  /** Whether this lease ended while this broker ran (an admin ended it, or it expired). */
  hasEnded(id: string): boolean {
    return this.ended.has(id);
  }

  find(id: string): Lease | undefined {
    return this.leases.get(id);
  }

  /** The lease, when token is its token (compared in constant time). */
  authenticate(id: string, token: string): Lease | undefined {
    const expected = this.tokens.get(id);
    const given = hash(token);
    return expected !== undefined && timingSafeEqual(expected, given) ? this.leases.get(id) : undefined;
  }

  /** The leases on a desktop, oldest first. */
  onGuest(guest: string): Lease[] {
    return [...(this.byGuest.get(guest) ?? [])];
  }

  count(guest: string): number {
    return this.byGuest.get(guest)?.size ?? 0;
  }

  /** The lease this holder has on one of these desktops: the same PC asking again (a reconnect,
   * or a launcher started again) gets its own desktop back. Same address, MAC and certificate. */
  heldBy(guests: readonly string[], holder: Holder): Lease | undefined {
    for (const guest of guests) for (const lease of this.byGuest.get(guest) ?? []) if (sameHolder(lease.holder, holder)) return lease;
    return undefined;
  }

  /** Every lease of this holder. */
  ofHolder(holder: Holder): Lease[] {
    return [...this.leases.values()].filter((lease) => sameHolder(lease.holder, holder));
  }

  seen(lease: Lease): void {
    lease.lastSeen = this.monotonic();
    lease.lastSeenAt = this.wallClock();
  }

  /** Marks a hold connection open; the returned function marks it closed (the grace time starts then). */
  hold(lease: Lease): () => void {
    lease.holds++;
    this.seen(lease);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      lease.holds--;
      this.seen(lease);
    };
  }

  /** Monotonic ms at which the lease ends unless seen again; undefined while held. */
  expiry(lease: Lease): number | undefined {
    return lease.holds > 0 ? undefined : lease.lastSeen + this.options.graceMs;
  }

  /** Wall-clock time of expiry(), for people and answers. */
  expiresAt(lease: Lease): Date | undefined {
    const at = this.expiry(lease);
    return at === undefined ? undefined : new Date(this.wallClock().getTime() + (at - this.monotonic()));
  }

  end(id: string, reason: LeaseEndReason): Lease | undefined {
    const lease = this.leases.get(id);
    if (lease === undefined) return undefined;
    this.leases.delete(id);
    this.tokens.delete(id);
    const onGuest = this.byGuest.get(lease.guest);
    onGuest?.delete(lease);
    if (onGuest?.size === 0) this.byGuest.delete(lease.guest);
    this.generation++;
    this.ended.add(id);
    if (this.ended.size > maxEnded) this.ended.delete(this.ended.values().next().value as string);
    this.options.onEnd?.(lease, reason);
    this.options.onChange?.();
    return lease;
  }

  /** The book as the lease file keeps it. */
  saved(): SavedLeases {
    const leases = [...this.leases.values()].map((lease) => ({
      id: lease.id,
      entry: lease.entry,
      guest: lease.guest,
      holder: lease.holder,
      startedAt: lease.startedAt.toISOString(),
      lastSeenAt: lease.lastSeenAt.toISOString(),
      tokenHash: (this.tokens.get(lease.id) as Buffer).toString('hex'),
    }));
    return { leases, ended: [...this.ended].slice(-maxSavedEnded) };
  }

  /** Takes back what a broker saved before it stopped. Each lease gets a full grace time from now
   * to be renewed: the broker cannot know when its holder was last seen while it was down. */
  restore(saved: SavedLeases): void {
    for (const id of saved.ended) this.ended.add(id);
    for (const entry of saved.leases) {
      if (this.leases.has(entry.id) || this.ended.has(entry.id)) continue;
      const lease: Lease = {
        id: entry.id,
        entry: entry.entry,
        guest: entry.guest,
        holder: entry.holder,
        startedAt: new Date(entry.startedAt),
        lastSeenAt: new Date(entry.lastSeenAt),
        lastSeen: this.monotonic(),
        holds: 0,
      };
      this.add(lease, Buffer.from(entry.tokenHash, 'hex'));
    }
    this.generation++;
  }

  private add(lease: Lease, tokenHash: Buffer): void {
    this.leases.set(lease.id, lease);
    this.tokens.set(lease.id, tokenHash);
    const onGuest = this.byGuest.get(lease.guest) ?? new Set<Lease>();
    this.byGuest.set(lease.guest, onGuest);
    onGuest.add(lease);
  }

  /** Ends every lease not seen within the grace time; returns how many. */
  sweep(): number {
    const now = this.monotonic();
    let ended = 0;
    for (const lease of [...this.leases.values()]) {
      const at = this.expiry(lease);
      if (at !== undefined && at <= now) {
        this.end(lease.id, 'expired');
        ended++;
      }
    }
    return ended;
  }

  get size(): number {
    return this.leases.size;
  }

  list(): LeaseView[] {
    return [...this.leases.values()].map((lease) => this.view(lease));
  }

  view(lease: Lease): LeaseView {
    return {
      id: lease.id,
      entry: lease.entry,
      guest: lease.guest,
      address: lease.holder.address,
      mac: lease.holder.mac,
      hostname: lease.holder.hostname,
      startedAt: lease.startedAt.toISOString(),
      lastSeenAt: lease.lastSeenAt.toISOString(),
      held: lease.holds > 0,
      expiresAt: this.expiresAt(lease)?.toISOString(),
    };
  }
}
