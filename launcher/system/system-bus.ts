// Calls a method on the D-Bus system bus with dbus-next, bounded by a timeout: dbus-next waits
// forever when the bus socket is missing or the peer never answers. Reads DBUS_SYSTEM_BUS_ADDRESS.
import { existsSync } from 'node:fs';

export type BusCall = {
  readonly destination: string;
  readonly path: string;
  readonly interface: string;
  readonly member: string;
  readonly signature?: string;
  readonly body?: readonly unknown[];
};

const defaultAddress = 'unix:path=/var/run/dbus/system_bus_socket';

/** The socket path of a unix:path= address, for a quick existence check. */
function socketPath(address: string): string | undefined {
  const match = /(?:^|;)unix:path=([^,;]+)/.exec(address);
  return match?.[1];
}

export async function callSystemBus(call: BusCall, env: Readonly<Record<string, string | undefined>>, timeoutMs: number): Promise<unknown[]> {
  const address = env.DBUS_SYSTEM_BUS_ADDRESS || defaultAddress;
  const path = socketPath(address);
  if (path !== undefined && !existsSync(path)) throw new Error(`no D-Bus system bus at ${path}`);
  // Loaded on first use: the menu's first frame must not pay for D-Bus.
  const dbus = await import('dbus-next');
  const bus = dbus.sessionBus({ busAddress: address });
  let timer: NodeJS.Timeout | undefined;
  try {
    const reply = await Promise.race([
      bus.call(new dbus.Message({ ...call, body: [...(call.body ?? [])] })),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`${call.destination} did not answer ${call.member} within ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
    return reply?.body ?? [];
  } finally {
    clearTimeout(timer);
    bus.disconnect();
  }
}
