// What the consoles that report their connections share (QEMU's QMP events, libvirt's graphics
// events): a ticket is put on the console with its time to live, expired when that ends unused,
// and spent when the console reports a connection while it is out: the password is expired at
// once, and only then is the ticket counted as used. Each console says how to put and expire a
// password; a failure to put one is a ConsoleTicketError, a failure to expire one is logged.
import type { Log } from '../log.ts';
import { ConsoleTicketError, type ConsoleTickets, type Ticket } from './console-ticket.ts';

type Outstanding = { readonly timer: NodeJS.Timeout; readonly used: () => void };

export abstract class ConnectionSpentConsole implements ConsoleTickets {
  protected readonly log: Log;
  private readonly outstanding = new Map<string, Outstanding>();

  constructor(log: Log) {
    this.log = log;
  }

  /** Makes password the console's only one, valid for ttlMs. */
  protected abstract putPassword(guestId: string, password: string, ttlMs: number): Promise<void>;
  /** Makes the console's password invalid now; a connection already open stays. */
  protected abstract expirePassword(guestId: string): Promise<void>;

  async set(guestId: string, ticket: Ticket): Promise<void> {
    this.forget(guestId);
    try {
      await this.putPassword(guestId, ticket.password, ticket.ttlMs);
    } catch (error) {
      throw new ConsoleTicketError(`guest ${guestId}: ${(error as Error).message}`, { cause: error });
    }
    const timer = setTimeout(() => void this.expire(guestId), ticket.ttlMs);
    timer.unref();
    this.outstanding.set(guestId, { timer, used: ticket.used });
  }

  async expire(guestId: string): Promise<void> {
    this.forget(guestId);
    try {
      await this.expirePassword(guestId);
    } catch (error) {
      this.log(`cannot expire the console password of guest ${guestId}: ${(error as Error).message}`);
    }
  }

  async close(): Promise<void> {
    await Promise.all([...this.outstanding.keys()].map((guestId) => this.expire(guestId)));
  }

  /** The console reports a connection (after authentication): an outstanding ticket is spent. */
  protected connected(guestId: string): void {
    const ticket = this.outstanding.get(guestId);
    if (ticket === undefined) return;
    void this.expire(guestId).then(ticket.used);
  }

  private forget(guestId: string): void {
    clearTimeout(this.outstanding.get(guestId)?.timer);
    this.outstanding.delete(guestId);
  }
}
