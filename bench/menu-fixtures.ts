// Catalogs for the menu benchmarks: n plausible guests, written as a broker's catalog file or
// as the launcher's cached catalog (what the first frame shows).
import { writeFileSync } from 'node:fs';
import { writeCatalogCache } from '../launcher/broker-client/catalog-cache.ts';
import type { Catalog, Guest } from '../common/protocol/broker-protocol.ts';

export function benchCatalog(count: number): Catalog {
  const systems = ['Debian 12', 'Windows XP', 'ReactOS', 'Gentoo', 'Fedora'];
  const guests = Array.from({ length: count }, (_, i): Guest => {
    const os = systems[i % systems.length] ?? 'Debian 12';
    const vnc = os === 'Windows XP' || os === 'ReactOS';
    return {
      id: `guest-${i}`,
      name: `${os} desk ${i + 1}`,
      os,
      protocol: vnc ? 'vnc' : 'xdmcp',
      host: `10.0.${Math.floor(i / 250)}.${(i % 250) + 1}`,
      port: vnc ? 5900 : 177,
      state: i % 7 === 0 ? 'stopped' : 'running',
    };
  });
  return { version: 1, broker: { id: 'bench', name: 'Bench broker' }, ttl: 3600, guests };
}

export function writeCatalogFile(path: string, count: number): void {
  writeFileSync(path, JSON.stringify(benchCatalog(count)));
}

export function writeCachedCatalog(cacheDir: string, count: number, broker: string): void {
  writeCatalogCache(cacheDir, { catalog: benchCatalog(count), broker, savedAt: Date.now() });
}
