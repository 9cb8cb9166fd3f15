// One-time tickets on QEMU's own VNC server (what Xen HVM and plain QEMU/KVM guests expose),
// through its QMP socket (catalog key qmpSocket; QEMU started with -qmp unix:PATH,server=on,wait=off
// and a VNC password, e.g. -vnc ...,password-secret=ID). set_password puts the ticket on the
// console and expire_password bounds it by its time to live; QEMU reports VNC_INITIALIZED once a
// viewer has authenticated, and the broker then expires the password at once, so it opens one
// connection (connection-spent-console.ts). A failed authentication does not spend it. One QMP
// connection per guest, opened on the first ticket and again after QEMU restarts.
import { QmpClient } from '../../common/qmp/qmp-client.ts';
import type { Log } from '../log.ts';
import { ConsoleTicketError } from './console-ticket.ts';
import { ConnectionSpentConsole } from './connection-spent-console.ts';

export class QmpConsole extends ConnectionSpentConsole {
  private readonly socketOf: (guestId: string) => string | undefined;
  private readonly clients = new Map<string, Promise<QmpClient>>();

  constructor(socketOf: (guestId: string) => string | undefined, log: Log) {
    super(log);
    this.socketOf = socketOf;
  }

  /** Expires the consoles' passwords: one from before a restart must not stay valid. */
  async reset(guestIds: readonly string[]): Promise<void> {
    await Promise.all(guestIds.filter((guestId) => this.socketOf(guestId) !== undefined).map((guestId) => this.expire(guestId)));
  }

  override async close(): Promise<void> {
    await super.close();
    for (const client of this.clients.values()) void client.then((connected) => connected.close()).catch(() => {});
    this.clients.clear();
  }

  protected async putPassword(guestId: string, password: string, ttlMs: number): Promise<void> {
    const client = await this.client(guestId);
    await client.execute('set_password', { protocol: 'vnc', password });
    // QEMU's own bound, in case the broker is gone when the time to live ends.
    await client.execute('expire_password', { protocol: 'vnc', time: `+${Math.ceil(ttlMs / 1000)}` });
  }

  protected async expirePassword(guestId: string): Promise<void> {
    await (await this.client(guestId)).execute('expire_password', { protocol: 'vnc', time: 'now' });
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
        if (event.event === 'VNC_INITIALIZED') this.connected(guestId);
      });
      return client;
    });
    this.clients.set(guestId, connecting);
    connecting.catch(() => this.clients.delete(guestId));
    return connecting;
  }
}
