// Discovery and fetching together, as list and the menu use them: find the brokers, ask them in
// order through the CatalogKeeper, or make a catalog of the display managers that answered the
// XDMCP broadcast when no broker exists.
import type { Catalog, Guest } from '../../common/protocol/broker-protocol.ts';
import type { CatalogKeeper, CatalogState } from '../broker-client/catalog-keeper.ts';
import type { LoadedConfig } from '../config/load.ts';
import { discoverBrokers } from './discovery-sources.ts';
import type { Discovery } from './discover.ts';

export type CatalogLookup = {
  readonly discovery: Discovery;
  readonly state: CatalogState;
  /** How the broker in use was found ("DHCP option 224"), when one answered. */
  readonly via: string | undefined;
};

export const xdmcpBroadcastBroker = 'XDMCP broadcast';

/** A catalog of the willing display managers, for sites without a broker (classic X terminals). */
export function xdmcpCatalog(guests: readonly Guest[]): Catalog {
  return { version: 1, broker: { id: 'xdmcp-broadcast', name: 'Display managers on this network' }, ttl: 60, guests: [...guests] };
}

export async function findCatalog(keeper: CatalogKeeper, loaded: LoadedConfig, env: Readonly<Record<string, string | undefined>>): Promise<CatalogLookup> {
  const discovery = await discoverBrokers(loaded, env);
  if (discovery.brokers.length > 0) {
    const state = await keeper.refresh(discovery.brokers.map((broker) => broker.url));
    const via = state.online ? discovery.brokers.find((broker) => broker.url === state.broker)?.via : undefined;
    return { discovery, state, via };
  }
  if (discovery.xdmcpGuests.length > 0) {
    const catalog = xdmcpCatalog(discovery.xdmcpGuests);
    return {
      discovery,
      via: 'XDMCP BroadcastQuery',
      state: { online: true, catalog, broker: xdmcpBroadcastBroker, savedAt: Date.now(), failures: [], changed: true },
    };
  }
  const tried = discovery.reports
    .filter((report) => report.status !== 'off')
    .map((report) => report.name)
    .join(', ');
  return { discovery, via: undefined, state: keeper.offline([{ reason: `no broker found (looked at: ${tried})` }]) };
}
