// Keeps the last good catalog: loads it from the cache, asks the brokers in order (failover) with
// If-None-Match, validates every answer, and saves each new good catalog to the cache. A broker
// that fails or sends a bad catalog is skipped with its reason; when all fail the previous good
// catalog stays, marked offline. Reads (through BrokerSettings) broker_ca, broker_timeout, cache_dir.
import { readCatalogCache, writeCatalogCache, type CachedCatalog } from './catalog-cache.ts';
import type { Catalog } from '../../common/protocol/broker-protocol.ts';
import { fetchCatalog } from './catalog-fetch.ts';
import type { BrokerSettings } from './broker-settings.ts';
import { BrokerError } from './http-request.ts';

/** Why a broker was not used; without a broker when discovery found none to ask. */
export type BrokerFailure = { readonly broker?: string; readonly reason: string };

/** A failure for people: the broker, then why. */
export function describeFailure(failure: BrokerFailure, separator = ': '): string {
  return failure.broker === undefined ? failure.reason : `${failure.broker}${separator}${failure.reason}`;
}

export type CatalogState = {
  /** True when a broker answered this time; false when the catalog is the kept one. */
  readonly online: boolean;
  readonly catalog: Catalog | undefined;
  /** The broker the catalog came from. */
  readonly broker: string | undefined;
  /** When the catalog was fetched (ms since the epoch). */
  readonly savedAt: number | undefined;
  /** Why each broker tried this time was not used (empty when the first one answered). */
  readonly failures: readonly BrokerFailure[];
  /** True when this refresh brought a different catalog than before. */
  readonly changed: boolean;
};

export class CatalogKeeper {
  private readonly settings: BrokerSettings;
  private readonly log: (message: string) => void;
  private kept: CachedCatalog | undefined;
  private saveFailure: string | undefined;

  constructor(settings: BrokerSettings, log: (message: string) => void) {
    this.settings = settings;
    this.log = log;
  }

  /** Reads the cache synchronously (for the first frame); a damaged cache is logged and ignored. */
  loadCache(): CachedCatalog | undefined {
    const { cached, problem } = readCatalogCache(this.settings.cacheDir);
    if (problem !== undefined) this.log(problem);
    if (cached !== undefined) this.kept = cached;
    return cached;
  }

  get current(): CachedCatalog | undefined {
    return this.kept;
  }

  /** Why the last catalog could not be written to the cache (disk full, read-only), until a write works again. */
  get unsavedBecause(): string | undefined {
    return this.saveFailure;
  }

  /** Tries brokers in order until one gives a valid catalog (or says it has not changed). */
  async refresh(brokers: readonly string[], failures: BrokerFailure[] = []): Promise<CatalogState> {
    for (const broker of brokers) {
      try {
        const etag = this.kept?.broker === broker ? this.kept.etag : undefined;
        const answer = await fetchCatalog(broker, {
          caFile: this.settings.caFile,
          clientCertificate: this.settings.clientCertificate,
          timeoutMs: this.settings.timeoutMs,
          etag,
        });
        const now = Date.now();
        if (answer.kind === 'not-modified' && this.kept !== undefined) {
          this.kept = { ...this.kept, savedAt: now };
          return this.state(true, failures, false);
        }
        if (answer.kind === 'catalog') {
          const changed = this.kept === undefined || this.kept.broker !== broker || JSON.stringify(this.kept.catalog) !== JSON.stringify(answer.catalog);
          this.kept = { catalog: answer.catalog, broker, etag: answer.etag, savedAt: now };
          this.save(this.kept);
          return this.state(true, failures, changed);
        }
      } catch (error) {
        const reason = error instanceof BrokerError ? error.reason : error instanceof Error ? error.message : String(error);
        failures.push({ broker, reason });
      }
    }
    return this.state(false, failures, false);
  }

  /** The kept catalog, offline, when there was no broker to ask. */
  offline(failures: readonly BrokerFailure[]): CatalogState {
    return this.state(false, failures, false);
  }

  private save(entry: CachedCatalog): void {
    try {
      writeCatalogCache(this.settings.cacheDir, entry);
      this.saveFailure = undefined;
    } catch (error) {
      this.saveFailure = `cannot save the catalog in ${this.settings.cacheDir} (config key cache_dir): ${(error as Error).message}`;
      this.log(this.saveFailure);
    }
  }

  private state(online: boolean, failures: readonly BrokerFailure[], changed: boolean): CatalogState {
    return { online, catalog: this.kept?.catalog, broker: this.kept?.broker, savedAt: this.kept?.savedAt, failures, changed };
  }
}
