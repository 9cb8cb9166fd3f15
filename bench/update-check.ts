// Benchmark: one update check against nginx serving a publish root on loopback: the full
// current/manifest.json (fetched, parsed, checked against the manifest schema) and the
// If-None-Match round trip that every later check costs while nothing is published.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fetchPublishedManifest } from '../launcher/update/check/published-manifest.ts';
import { Children } from '../test/support/children.ts';
import { startNginx } from '../test/support/peers/nginx.ts';
import { percentile } from './stats.ts';
import { sampleManifest } from '../test/support/sample-manifest.ts';

const round = (value: number) => Math.round(value * 100) / 100;
const manifest = sampleManifest('0.2.0', { sha256: 'a'.repeat(64), size: 1 });

export async function benchUpdateCheck(work: string, runs = 50) {
  const children = new Children();
  try {
    const nginx = await startNginx(children, join(work, 'update-check'));
    mkdirSync(join(nginx.root, 'current'));
    const body = JSON.stringify(manifest, null, 2);
    writeFileSync(join(nginx.root, 'current', 'manifest.json'), body);
    const options = { timeoutMs: 10_000, caFile: '/nonexistent' };
    const full: number[] = [];
    const unchanged: number[] = [];
    let etag: string | undefined;
    for (let i = 0; i < runs; i++) {
      const started = performance.now();
      const answer = await fetchPublishedManifest(nginx.url, options);
      full.push(performance.now() - started);
      if (answer.kind !== 'manifest') throw new Error('expected the manifest');
      etag = answer.etag;
    }
    for (let i = 0; i < runs; i++) {
      const started = performance.now();
      if ((await fetchPublishedManifest(nginx.url, { ...options, etag })).kind !== 'not-modified') throw new Error('expected 304');
      unchanged.push(performance.now() - started);
    }
    return {
      manifestBytes: Buffer.byteLength(body),
      runs,
      fetchAndValidate: { p50Ms: round(percentile(full, 50)), p95Ms: round(percentile(full, 95)) },
      notModified: { p50Ms: round(percentile(unchanged, 50)), p95Ms: round(percentile(unchanged, 95)) },
    };
  } finally {
    await children.stopAll();
  }
}
