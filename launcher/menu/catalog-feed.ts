// Keeps the menu's catalog current: the cached catalog for the first frame (read synchronously,
// nothing else loaded), then discovery and fetching in the background (imported on first use),
// refreshed every catalog ttl; when no broker answers, the kept catalog marked offline and a
// retry with backoff. Reads broker_ca, broker_timeout, cache_dir and the discovery keys.
import { brokerSettings } from '../broker-client/broker-settings.ts';
import { retryDelayMs } from '../broker-client/backoff.ts';
import { CatalogKeeper, describeFailure, type CatalogState } from '../broker-client/catalog-keeper.ts';
import type { LoadedConfig } from '../config/load.ts';
import { clockTime } from '../text/clock-time.ts';
import type { CatalogFeed, CatalogSnapshot } from './ports.ts';

/** The broker's ttl, kept within sane bounds for a menu. */
const minRefreshMs = 5_000;
const maxRefreshMs = 3_600_000;

export function createCatalogFeed(loaded: LoadedConfig, env: Readonly<Record<string, string | undefined>>): CatalogFeed {
  let cacheProblem: string | undefined;
  const keeper = new CatalogKeeper(brokerSettings(loaded.config), (message) => {
    cacheProblem = message;
  });
  let listener: ((snapshot: CatalogSnapshot) => void) | undefined;
  let timer: NodeJS.Timeout | undefined;
  let cycle: Promise<void> | undefined;
  let stopped = false;
  let failures = 0;
  let brokers: readonly string[] = [];
  let described: string | undefined;

  const schedule = (delayMs: number) => {
    clearTimeout(timer);
    if (!stopped) timer = setTimeout(run, delayMs);
  };

  const offlineReason = (state: CatalogState): string => {
    const [first] = state.failures;
    const reason = first === undefined ? 'no broker answers' : describeFailure(first, ' ');
    return state.catalog === undefined && cacheProblem !== undefined ? `${reason}; ${cacheProblem}` : reason;
  };

  const once = async () => {
    let state: CatalogState;
    if (brokers.length > 0) {
      state = await keeper.refresh(brokers);
    } else {
      // Discovery (DNS-SD over D-Bus, DNS, XDMCP) is loaded only now, after the first frame.
      const { findCatalog } = await import('../discovery/find-catalog.ts');
      const lookup = await findCatalog(keeper, loaded, env);
      state = lookup.state;
      if (state.online) {
        brokers = lookup.discovery.brokers.map((broker) => broker.url);
        described = `${state.broker}${lookup.via ? ` (${lookup.via})` : ''}`;
      }
    }
    if (stopped) return;
    if (state.online && state.catalog !== undefined) {
      failures = 0;
      const unsaved = keeper.unsavedBecause;
      const warning = unsaved === undefined ? {} : { warning: `the list is not kept for offline use: ${unsaved}` };
      listener?.({ guests: state.catalog.guests, status: { online: true, ...(state.broker === undefined ? {} : { broker: state.broker }), ...warning } });
      schedule(Math.min(maxRefreshMs, Math.max(minRefreshMs, state.catalog.ttl * 1000)));
      return;
    }
    // Every broker failed: look for brokers again next time (the lease or the services may have changed).
    brokers = [];
    failures += 1;
    const delay = retryDelayMs(failures);
    listener?.({
      guests: state.catalog?.guests ?? [],
      status: {
        online: false,
        ...(state.broker === undefined ? {} : { broker: state.broker }),
        error: offlineReason(state),
        retryAt: performance.now() + delay,
      },
    });
    schedule(delay);
  };

  function run(): void {
    if (stopped || cycle !== undefined) return;
    clearTimeout(timer);
    cycle = once()
      .catch((error: unknown) => {
        failures += 1;
        const delay = retryDelayMs(failures);
        const kept = keeper.current;
        listener?.({
          guests: kept?.catalog.guests ?? [],
          status: { online: false, error: `internal error: ${(error as Error).message}`, retryAt: performance.now() + delay },
        });
        schedule(delay);
      })
      .finally(() => {
        cycle = undefined;
      });
  }

  return {
    cached() {
      const cached = keeper.loadCache();
      if (cached === undefined) return undefined;
      const saved = clockTime(cached.savedAt);
      return { guests: cached.catalog.guests, status: { online: false, broker: cached.broker, error: `checking the broker (list saved ${saved})` } };
    },
    start(onChange) {
      listener = onChange;
      stopped = false;
      run();
    },
    refresh: run,
    stop() {
      stopped = true;
      clearTimeout(timer);
    },
    describeBroker: () => described,
  };
}
