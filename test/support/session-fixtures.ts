// Pieces the session service's unit and property tests share: a guest behind a one-time-password
// console as a catalog file entry, and a console that records the tickets it is given.
import type { ConsoleTickets, Ticket } from '../../broker/consoles/console-ticket.ts';

/** A vnc guest with a password file (the console the broker puts tickets on); override what matters. */
export function ticketedGuest(id: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id,
    name: id,
    os: 'Linux',
    protocol: 'vnc',
    host: '10.0.0.5',
    port: 5901,
    state: 'running',
    auth: 'vnc-password',
    passwordFile: `/run/vdd/${id}.passwd`,
    ...extra,
  };
}

/** Keeps the ticket each guest's console holds now; expire forgets it. */
export class RecordingConsole implements ConsoleTickets {
  readonly tickets = new Map<string, Ticket>();
  readonly expired: string[] = [];
  async set(guestId: string, ticket: Ticket): Promise<void> {
    this.tickets.set(guestId, ticket);
  }
  async expire(guestId: string): Promise<void> {
    this.expired.push(guestId);
    this.tickets.delete(guestId);
  }
  async close(): Promise<void> {}
}
