// Who is on which desktop since when, for the admin status: the interface the page reads, and
// the source used while the broker keeps no leases: the session answers it issued, one per PC
// (a PC runs one session at a time), each until the PC reports a session of that guest ended,
// asks for another, or maxAgeMs passes without word. Bounded by maxSessions (oldest go first).
import type { ClientInfo } from '../../common/protocol/broker-protocol.ts';

export type ActiveSession = {
  /** Stable while the session lasts; what an end request names. */
  readonly id: string;
  readonly guestId: string;
  readonly mac: string;
  readonly hostname: string | undefined;
  readonly address: string;
  /** Epoch ms. */
  readonly since: number;
  /** Where the broker knows it from: a session answer it issued, or a lease. */
  readonly source: 'issued' | 'lease';
  /** The broker can end it (a lease it can revoke). */
  readonly endable: boolean;
};

export type ActiveSessionSource = {
  list(now: number): readonly ActiveSession[];
  /** Bumped on every change. */
  readonly generation: number;
  /** Ends a session the admin chose; false when there is none by that id or it cannot be ended. */
  end(id: string): Promise<boolean>;
};

export const issuedSessionLimits = { maxSessions: 20_000, maxAgeMs: 12 * 60 * 60 * 1000 } as const;

export class IssuedSessions implements ActiveSessionSource {
  private readonly byMac = new Map<string, ActiveSession>();
  private readonly limits: { readonly [key in keyof typeof issuedSessionLimits]: number };
  generation = 0;

  constructor(limits: { readonly [key in keyof typeof issuedSessionLimits]?: number } = {}) {
    this.limits = { ...issuedSessionLimits, ...limits };
  }

  /** The broker answered a session request of client for guestId. */
  issued(guestId: string, client: ClientInfo, address: string, at: number): void {
    this.byMac.delete(client.mac);
    if (this.byMac.size >= this.limits.maxSessions) {
      const oldest = this.byMac.keys().next().value;
      if (oldest !== undefined) this.byMac.delete(oldest);
    }
    this.byMac.set(client.mac, {
      id: `${client.mac}@${at}`,
      guestId,
      mac: client.mac,
      hostname: client.hostname === '' ? undefined : client.hostname,
      address,
      since: at,
      source: 'issued',
      endable: false,
    });
    this.generation++;
  }

  /** The PC reported a session of guestId that started at startedAt (broker clock) and is over. */
  ended(mac: string, guestId: string, startedAt: number, seconds: number): void {
    const active = this.byMac.get(mac);
    // A report of an earlier session (it ended before this one was issued) leaves this one alone.
    if (active === undefined || active.guestId !== guestId || startedAt + seconds * 1000 < active.since) return;
    this.byMac.delete(mac);
    this.generation++;
  }

  list(now: number): readonly ActiveSession[] {
    for (const [mac, session] of this.byMac) {
      if (now - session.since <= this.limits.maxAgeMs) break;
      this.byMac.delete(mac);
      this.generation++;
    }
    return [...this.byMac.values()];
  }

  async end(_id: string): Promise<boolean> {
    // An issued answer is not a lease: nothing on the broker holds the session to end.
    return false;
  }
}
