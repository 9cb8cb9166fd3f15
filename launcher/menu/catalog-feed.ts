// Keeps the menu's catalog current (placeholder until the broker client lands).
import type { LoadedConfig } from '../config/load.ts';
import type { CatalogFeed } from './ports.ts';

export function createCatalogFeed(_loaded: LoadedConfig, _env: Readonly<Record<string, string | undefined>>): CatalogFeed {
  return {
    cached: () => undefined,
    start: (onChange) => onChange({ guests: [], status: { online: false, error: 'this build has no broker client yet' } }),
    refresh: () => {},
    stop: () => {},
    describeBroker: () => undefined,
  };
}
