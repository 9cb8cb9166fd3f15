// One-time tickets on the consoles of a hypervisor's guests (libvirt, broker/hypervisor.ts): the
// hypervisor sets the console's password with its expiry, and its console connection events
// spend the ticket (connection-spent-console.ts).
import type { Hypervisor } from '../hypervisor.ts';
import type { Log } from '../log.ts';
import { ConnectionSpentConsole } from './connection-spent-console.ts';

/** The broker expires a ticket itself when its time to live ends, on its own monotonic clock; the
 * expiry libvirt is given (checked by QEMU on the VM host's wall clock) is only a backstop, so it
 * allows this much difference between the two hosts' clocks rather than fail every ticket. */
const hostClockAllowanceMs = 10 * 60_000;

export class HypervisorConsole extends ConnectionSpentConsole {
  private readonly hypervisor: Hypervisor;

  constructor(hypervisor: Hypervisor, log: Log) {
    super(log);
    this.hypervisor = hypervisor;
    hypervisor.onConsoleEvent((event) => {
      if (event.kind === 'connected') this.connected(event.id);
    });
  }

  protected putPassword(guestId: string, password: string, ttlMs: number): Promise<void> {
    return this.hypervisor.setConsoleTicket(guestId, password, new Date(Date.now() + ttlMs + hostClockAllowanceMs));
  }

  protected expirePassword(guestId: string): Promise<void> {
    return this.hypervisor.expireConsoleTicket(guestId);
  }
}
