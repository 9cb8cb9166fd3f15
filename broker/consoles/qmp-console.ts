// One-time tickets on QEMU's own VNC server (what Xen HVM and plain QEMU/KVM guests expose),
// through its QMP socket (catalog key qmpSocket; QEMU started with -qmp unix:PATH,server=on,wait=off
// and a VNC password, e.g. -vnc ...,password-secret=ID). set_password puts the ticket on the
// console and expire_password bounds it by its time to live; QEMU reports VNC_INITIALIZED once a
// viewer has authenticated, and the broker then expires the password at once, so it opens one
// connection. A failed authentication does not spend it. One QMP connection per guest, opened on
// the first ticket and again after QEMU restarts.
import { QmpClient } from '../../common/qmp/qmp-client.ts';
import type { Log } from '../log.ts';
import { ConsoleTicketError, type ConsoleTickets, type Ticket } from './console-ticket.ts';

type Outstanding = { readonly timer: NodeJS.Timeout; readonly used: () => void };

export class QmpConsole implements ConsoleTickets {
  private readonly socketOf: (guestId: string) => string | undefined;
  private readonly log: Log;
  private readonly clients = new Map<string, Promise<QmpClient>>();
  private readonly outstanding = new Map<string, Outstanding>();

  constructor(socketOf: (guestId: string) => string | undefined, log: Log) {
    this.socketOf = socketOf;
    this.log = log;
  }

  /** Expires the consoles' passwords: one from before a restart must not stay valid. */
  async reset(guestIds: readonly string[]): Promise<void> {
    await Promise.all(
      guestIds
        .filter((guestId) => this.socketOf(guestId) !== undefined)
        .map(async (guestId) => {
          try {
            await (await this.client(guestId)).execute('expire_password', { protocol: 'vnc', time: 'now' });
          } catch (error) {
            this.log(`cannot expire the VNC password of guest ${guestId}: ${(error as Error).message}`);
          }
        }),
    );
  }

  async set(guestId: string, ticket: Ticket): Promise<void> {
    this.forget(guestId);
    try {
      const client = await this.client(guestId);
      await client.execute('set_password', { protocol: 'vnc', password: ticket.password });
      // QEMU's own bound, in case the broker is gone when the time to live ends.
      await client.execute('expire_password', { protocol: 'vnc', time: `+${Math.ceil(ticket.ttlMs / 1000)}` });
    } catch (error) {
      throw new ConsoleTicketError(`guest ${guestId}: ${(error as Error).message}`);
    }
    const timer = setTimeout(() => void this.expire(guestId), ticket.ttlMs);
    timer.unref();
    this.outstanding.set(guestId, { timer, used: ticket.used });
  }

  async expire(guestId: string): Promise<void> {
    if (!this.forget(guestId)) return;
    await this.expireNow(guestId);
  }

  async close(): Promise<void> {
    await Promise.all([...this.outstanding.keys()].map((guestId) => this.expire(guestId)));
    for (const client of this.clients.values()) void client.then((connected) => connected.close()).catch(() => {});
    this.clients.clear();
  }

  private async expireNow(guestId: string): Promise<void> {
    try {
      await (await this.client(guestId)).execute('expire_password', { protocol: 'vnc', time: 'now' });
    } catch (error) {
      this.log(`cannot expire the VNC password of guest ${guestId}: ${(error as Error).message}`);
    }
  }

  private forget(guestId: string): boolean {
    const ticket = this.outstanding.get(guestId);
    if (ticket === undefined) return false;
    clearTimeout(ticket.timer);
    this.outstanding.delete(guestId);
    return true;
  }

  private client(guestId: string): Promise<QmpClient> {
    const known = this.clients.get(guestId);
    if (known !== undefined) return known.then((client) => (client.closed ? this.connect(guestId) : client));
    return this.connect(guestId);
  }

  private connect(guestId: string): Promise<QmpClient> {
    const path = this.socketOf(guestId);
    if (path === undefined) return Promise.reject(new ConsoleTicketError(`guest ${guestId} has no QMP socket`));
    const connecting = QmpClient.connect(path, 3000).then((client) => {
      client.onEvent((event) => {
        if (event.event !== 'VNC_INITIALIZED') return;
        const ticket = this.outstanding.get(guestId);
        if (ticket === undefined) return;
        this.forget(guestId);
        // Spent once the console no longer takes it.
        void this.expireNow(guestId).then(ticket.used);
      });
      return client;
    });
    this.clients.set(guestId, connecting);
    connecting.catch(() => this.clients.delete(guestId));
    return connecting;
  }
}
