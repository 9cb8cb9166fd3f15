// Who is on which desktop since when, for the admin status: the interface the page reads, and its
// source, the broker's leases (broker/sessions/lease-book.ts); an admin may end any of them.
import type { SessionService } from '../sessions/session-service.ts';

export type ActiveSession = {
  /** Stable while the session lasts; what an end request names. */
  readonly id: string;
  readonly guestId: string;
  readonly mac: string;
  readonly hostname: string | undefined;
  readonly address: string;
  /** Epoch ms. */
  readonly since: number;
};

export type ActiveSessionSource = {
  list(now: number): readonly ActiveSession[];
  /** Bumped on every change. */
  readonly generation: number;
  /** Ends a session the admin chose; false when there is none by that id. */
  end(id: string): Promise<boolean>;
};

/** The broker's leases (broker/sessions/) as the admin sees them: each one endable. */
export class LeaseSessions implements ActiveSessionSource {
  private readonly sessions: SessionService;

  constructor(sessions: SessionService) {
    this.sessions = sessions;
  }

  get generation(): number {
    return this.sessions.leases.generation;
  }

  list(_now: number): readonly ActiveSession[] {
    return this.sessions.list().map((lease) => ({
      id: lease.id,
      guestId: lease.guest,
      mac: lease.mac,
      hostname: lease.hostname === '' ? undefined : lease.hostname,
      address: lease.address,
      since: Date.parse(lease.startedAt),
    }));
  }

  async end(id: string): Promise<boolean> {
    return this.sessions.endByAdmin(id) !== undefined;
  }
}
