// What the menu lists: each guest on its own, except the desktops of a pool (guests sharing a
// `pool` name), which stand together as one entry named after the pool. The entry shows the first
// desktop's name, OS and protocol, the best state among its desktops, and is startable when one is.
import type { Guest, GuestState } from '../../common/protocol/broker-protocol.ts';
import type { BrokerGuest } from '../catalog-file.ts';

export type MenuEntry = {
  /** The guest as served (without use, which the lease book adds). */
  readonly guest: Guest;
  /** The desktops behind it: the guest itself, or the pool's members in catalog order. */
  readonly desktops: readonly BrokerGuest[];
  readonly pool: boolean;
};

const stateOrder: readonly GuestState[] = ['running', 'starting', 'stopped', 'unavailable'];

/** Sessions a desktop takes at once; undefined: no limit (an XDMCP display manager gives each login its own session). */
export function seatsOf(desktop: BrokerGuest): number | undefined {
  return desktop.backend.seats ?? (desktop.guest.protocol === 'vnc' ? 1 : undefined);
}

export function menuEntries(guests: readonly BrokerGuest[], stateOf: (id: string) => GuestState): MenuEntry[] {
  const entries: MenuEntry[] = [];
  const pools = new Map<string, BrokerGuest[]>();
  for (const desktop of guests) {
    const pool = desktop.backend.pool;
    if (pool === undefined) {
      entries.push({ guest: { ...desktop.guest, state: stateOf(desktop.guest.id) }, desktops: [desktop], pool: false });
      continue;
    }
    const members = pools.get(pool);
    if (members !== undefined) {
      members.push(desktop);
      continue;
    }
    const list = [desktop];
    pools.set(pool, list);
    entries.push({ guest: { ...desktop.guest, id: pool }, desktops: list, pool: true });
  }
  return entries.map((entry) => {
    if (!entry.pool) return entry;
    const states = entry.desktops.map((desktop) => stateOf(desktop.guest.id));
    const state = stateOrder.find((candidate) => states.includes(candidate)) ?? 'unavailable';
    const startable = entry.desktops.some((desktop) => desktop.guest.startable === true);
    // Where the pool is, as far as the catalog says: the first desktop with an address (the session answer has the one given).
    const addressed = entry.desktops.find((desktop) => desktop.guest.host !== undefined && desktop.guest.port !== undefined)?.guest;
    const { startable: _first, host: _host, port: _port, reason: _reason, ...shown } = entry.guest;
    const address = addressed === undefined ? {} : { host: addressed.host, port: addressed.port };
    return { ...entry, guest: { ...shown, ...address, state, ...(startable ? { startable } : {}) } };
  });
}
