// Benchmark: fetch and validate a 5,000-guest catalog from a real vdd-broker on loopback (the full
// answer, parsed and checked by the protocol schema), and the If-None-Match round trip.
import { join } from 'node:path';
import { fetchCatalog } from '../launcher/broker-client/catalog-fetch.ts';
import { Children } from '../test/support/children.ts';
import { oneAddressForManyPcs, startVddBroker } from '../test/support/peers/vdd-broker.ts';
import { writeCatalogFile } from './menu-fixtures.ts';
import { percentile } from './stats.ts';

const round = (value: number) => Math.round(value * 10) / 10;

export async function benchCatalogFetch(work: string, guests = 5000) {
  const catalog = join(work, 'fetch-catalog.json');
  writeCatalogFile(catalog, guests);
  const children = new Children();
  try {
    const { url } = await startVddBroker(children, catalog, { extraArgs: ['--probe-interval', '0', ...oneAddressForManyPcs] });
    const options = { caFile: '/nonexistent', timeoutMs: 10_000 };
    const full: number[] = [];
    const unchanged: number[] = [];
    let etag: string | undefined;
    let bytes = 0;
    for (let i = 0; i < 30; i++) {
      const started = performance.now();
      const answer = await fetchCatalog(url, options);
      full.push(performance.now() - started);
      if (answer.kind !== 'catalog' || answer.catalog.guests.length !== guests) throw new Error('unexpected answer');
      etag = answer.etag;
      bytes = JSON.stringify(answer.catalog).length;
    }
    for (let i = 0; i < 30; i++) {
      const started = performance.now();
      if ((await fetchCatalog(url, { ...options, etag })).kind !== 'not-modified') throw new Error('expected 304');
      unchanged.push(performance.now() - started);
    }
    return {
      guests,
      bytes,
      targetMs: 100,
      fetchAndValidate: { runs: full.length, firstMs: round(full[0] ?? 0), p50Ms: round(percentile(full, 50)), p95Ms: round(percentile(full, 95)) },
      notModified: { p50Ms: round(percentile(unchanged, 50)), p95Ms: round(percentile(unchanged, 95)) },
    };
  } finally {
    await children.stopAll();
  }
}
