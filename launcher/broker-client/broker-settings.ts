// The broker client's settings, from config keys broker_ca, broker_timeout and cache_dir.
import type { Config } from '../../common/launcher-config/keys.ts';

export type BrokerSettings = { readonly caFile: string; readonly timeoutMs: number; readonly cacheDir: string };

export function brokerSettings(config: Config): BrokerSettings {
  return { caFile: config.broker_ca, timeoutMs: config.broker_timeout, cacheDir: config.cache_dir };
}
