// Benchmark: how long a refurbisher waits for `vdd-launcher report --json` (the built single
// executable, real systeminformation on this machine), several runs.
import { spawnSync } from 'node:child_process';
import { isolatedArgs } from '../test/support/launcher-binary.ts';
import { median } from './stats.ts';

const round = (value: number) => Math.round(value);

export function benchReport(launcher: string, work: string, runs = 5) {
  const times: number[] = [];
  let verdict = '';
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    const result = spawnSync(launcher, ['report', '--json', ...isolatedArgs(work)], { encoding: 'utf8', timeout: 60_000 });
    times.push(performance.now() - started);
    if (result.status !== 0) throw new Error(`report exited with ${result.status}: ${result.stderr}`);
    verdict = (JSON.parse(result.stdout) as { verdict: string }).verdict;
  }
  return { runs, verdict, firstMs: round(times[0] ?? 0), medianMs: round(median(times)), maxMs: round(Math.max(...times)) };
}
