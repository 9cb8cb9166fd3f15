// The broker whose cached catalog lists a guest (it is asked to prepare the guest's session), and
// whether that catalog is still within its ttl. The cache file is parsed again only when it
// changed: validating a large catalog takes long enough to delay a session's start, so refresh()
// does it ahead of the first one. Reads config key cache_dir.
import { statSync } from 'node:fs';
import type { Guest } from '../../common/protocol/broker-protocol.ts';
import { catalogCachePath, readCatalogCache } from '../broker-client/catalog-cache.ts';
import type { LoadedConfig } from '../config/load.ts';

export type CatalogBrokers = {
  refresh(): void;
  of(guest: Guest): string | undefined;
  /** The catalog is within its ttl: the broker vouches for its addresses until then. */
  fresh(): boolean;
};

export function catalogBrokers(loaded: LoadedConfig): CatalogBrokers {
  let known: { readonly stamp: string; readonly broker: string | undefined; readonly ids: ReadonlySet<string>; readonly freshUntil: number } | undefined;
  const refresh = () => {
    let stamp: string;
    try {
      const stat = statSync(catalogCachePath(loaded.config.cache_dir));
      stamp = `${stat.mtimeMs}:${stat.size}`;
    } catch {
      known = undefined;
      return;
    }
    if (known?.stamp !== stamp) {
      const { cached } = readCatalogCache(loaded.config.cache_dir);
      known = {
        stamp,
        broker: cached && /^https?:/.test(cached.broker) ? cached.broker : undefined,
        ids: new Set(cached?.catalog.guests.map((listed) => listed.id)),
        freshUntil: cached ? cached.savedAt + cached.catalog.ttl * 1000 : 0,
      };
    }
  };
  return {
    refresh,
    of(guest) {
      refresh();
      return known?.ids.has(guest.id) ? known.broker : undefined;
    },
    fresh() {
      return known !== undefined && Date.now() < known.freshUntil;
    },
  };
}
