// One-time tickets on the consoles of a hypervisor's guests (libvirt, broker/hypervisor.ts): the
// hypervisor sets the console's password with its expiry; when it reports a console connection
// (after authentication) while a ticket is out, the ticket is spent and the password expired at
// once, so it opens one connection. Unused, it is expired when its time to live ends.
import type { Hypervisor } from '../hypervisor.ts';
import type { Log } from '../log.ts';
import { ConsoleTicketError, type ConsoleTickets, type Ticket } from './console-ticket.ts';

type Outstanding = { readonly timer: NodeJS.Timeout; readonly used: () => void };

export class HypervisorConsole implements ConsoleTickets {
  private readonly hypervisor: Hypervisor;
  private readonly log: Log;
  private readonly outstanding = new Map<string, Outstanding>();

  constructor(hypervisor: Hypervisor, log: Log) {
    this.hypervisor = hypervisor;
    this.log = log;
    hypervisor.onConsoleEvent((event) => {
      if (event.kind !== 'connected') return;
      const ticket = this.outstanding.get(event.id);
      if (ticket === undefined) return;
      // Spent once the console no longer takes it.
      void this.expire(event.id).then(ticket.used);
    });
  }

  async set(guestId: string, ticket: Ticket): Promise<void> {
    this.forget(guestId);
    try {
      await this.hypervisor.setConsoleTicket(guestId, ticket.password, new Date(Date.now() + ticket.ttlMs));
    } catch (error) {
      throw new ConsoleTicketError(`guest ${guestId}: ${(error as Error).message}`);
    }
    const timer = setTimeout(() => void this.expire(guestId), ticket.ttlMs);
    timer.unref();
    this.outstanding.set(guestId, { timer, used: ticket.used });
  }

  async expire(guestId: string): Promise<void> {
    this.forget(guestId);
    try {
      await this.hypervisor.expireConsoleTicket(guestId);
    } catch (error) {
      this.log(`cannot expire the console ticket of guest ${guestId}: ${(error as Error).message}`);
    }
  }

  async close(): Promise<void> {
    await Promise.all([...this.outstanding.keys()].map((guestId) => this.expire(guestId)));
  }

  private forget(guestId: string): void {
    clearTimeout(this.outstanding.get(guestId)?.timer);
    this.outstanding.delete(guestId);
  }
}
