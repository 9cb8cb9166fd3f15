// Talks to the D-Bus system bus with dbus-next, every step bounded by a timeout: dbus-next waits
// forever when the bus socket is missing or the peer never answers. One-shot calls (power) and
// connections that also receive signals (Avahi's service browser). Reads DBUS_SYSTEM_BUS_ADDRESS.
import { existsSync } from 'node:fs';

export type BusCall = {
  readonly destination: string;
  readonly path: string;
  readonly interface: string;
  readonly member: string;
  readonly signature?: string;
  readonly body?: readonly unknown[];
};

export type BusSignal = { readonly path: string; readonly interface: string; readonly member: string; readonly body: readonly unknown[] };

export type SystemBusConnection = {
  /** Calls a method; rejects when no answer comes within the connection's timeout. */
  call(call: BusCall): Promise<unknown[]>;
  /** Asks the bus to route signals matching rule (D-Bus match rule syntax) to this connection. */
  addMatch(rule: string): Promise<void>;
  /** Calls listener with every signal this connection receives. */
  onSignal(listener: (signal: BusSignal) => void): void;
  close(): void;
};

const defaultAddress = 'unix:path=/var/run/dbus/system_bus_socket';

/** The socket path of a unix:path= address, for a quick existence check. */
function socketPath(address: string): string | undefined {
  const match = /(?:^|;)unix:path=([^,;]+)/.exec(address);
  return match?.[1];
}

function withTimeout<T>(promise: Promise<T>, timeoutMs: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what} within ${timeoutMs} ms`)), timeoutMs);
    }),
  ]).finally(() => clearTimeout(timer));
}

export async function openSystemBus(env: Readonly<Record<string, string | undefined>>, timeoutMs: number): Promise<SystemBusConnection> {
  const address = env.DBUS_SYSTEM_BUS_ADDRESS || defaultAddress;
  const path = socketPath(address);
  if (path !== undefined && !existsSync(path)) throw new Error(`no D-Bus system bus at ${path}`);
  // Loaded on first use: the menu's first frame must not pay for D-Bus.
  const dbus = await import('dbus-next');
  const bus = dbus.sessionBus({ busAddress: address });
  let failure: Error | undefined;
  // A lost connection is reported by the next call instead of crashing the program.
  bus.on('error', (error: Error) => {
    failure = error;
  });
  const call = async (message: BusCall): Promise<unknown[]> => {
    if (failure) throw new Error(`D-Bus connection failed: ${failure.message}`);
    const reply = await withTimeout(
      bus.call(new dbus.Message({ ...message, body: [...(message.body ?? [])] })),
      timeoutMs,
      `${message.destination} did not answer ${message.member}`,
    );
    return reply?.body ?? [];
  };
  return {
    call,
    async addMatch(rule) {
      await call({
        destination: 'org.freedesktop.DBus',
        path: '/org/freedesktop/DBus',
        interface: 'org.freedesktop.DBus',
        member: 'AddMatch',
        signature: 's',
        body: [rule],
      });
    },
    onSignal(listener) {
      bus.on('message', (message) => {
        if (message.type !== dbus.MessageType.SIGNAL) return;
        listener({ path: message.path, interface: message.interface ?? '', member: message.member, body: message.body ?? [] });
      });
    },
    close: () => bus.disconnect(),
  };
}

export async function callSystemBus(call: BusCall, env: Readonly<Record<string, string | undefined>>, timeoutMs: number): Promise<unknown[]> {
  const bus = await openSystemBus(env, timeoutMs);
  try {
    return await bus.call(call);
  } finally {
    bus.close();
  }
}
