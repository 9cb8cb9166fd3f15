// Benchmark: vdd-broker answering 500 concurrent catalog requests on loopback, measured with wrk
// (500 open connections, 2 threads, 10 s): requests per second and latency percentiles.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { Children } from '../test/support/children.ts';
import { oneAddressForManyPcs, startVddBroker } from '../test/support/peers/vdd-broker.ts';
import { writeCatalogFile } from './menu-fixtures.ts';

const toMs = (value: string, unit: string) => Number(value) * (unit === 'us' ? 0.001 : unit === 's' ? 1000 : unit === 'm' ? 60_000 : 1);

/** wrk --latency output: "99%   12.34ms" lines and "Requests/sec: 1234.56". */
export function parseWrk(output: string) {
  const latency: Record<string, number> = {};
  for (const match of output.matchAll(/^\s+(50|75|90|99)%\s+([\d.]+)(us|ms|s|m)\s*$/gm))
    latency[`p${match[1]}Ms`] = Math.round(toMs(match[2] ?? '0', match[3] ?? 'ms') * 100) / 100;
  const rps = /Requests\/sec:\s+([\d.]+)/.exec(output)?.[1];
  const errors = /Socket errors: (.*)/.exec(output)?.[1];
  const non2xx = /Non-2xx or 3xx responses: (\d+)/.exec(output)?.[1];
  return {
    requestsPerSecond: rps === undefined ? undefined : Number(rps),
    ...latency,
    ...(errors ? { socketErrors: errors } : {}),
    ...(non2xx ? { non2xx: Number(non2xx) } : {}),
  };
}

export async function benchBrokerLoad(work: string, guests = 100, connections = 500) {
  try {
    execFileSync('wrk', ['--version'], { stdio: 'ignore' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { skipped: 'wrk is not installed (sh build/setup.sh)' };
  }
  const catalog = join(work, 'load-catalog.json');
  writeCatalogFile(catalog, guests);
  const children = new Children();
  try {
    const { port } = await startVddBroker(children, catalog, { extraArgs: ['--probe-interval', '0', ...oneAddressForManyPcs] });
    const output = execFileSync(
      'wrk',
      ['-t', '2', '-c', String(connections), '-d', '10s', '--timeout', '5s', '--latency', `http://127.0.0.1:${port}/v1/catalog`],
      { encoding: 'utf8' },
    );
    return { tool: 'wrk', connections, guests, durationS: 10, ...parseWrk(output) };
  } finally {
    await children.stopAll();
  }
}
