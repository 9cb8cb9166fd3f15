// Benchmarks of broker discovery: from the configuration layers (--broker, kernel parameter,
// config file; no network), and through Avahi (a real avahi-daemon on a private bus in a network
// namespace made here) from a cold browser to the resolved broker URL.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig, type LoadedConfig } from '../launcher/config/load.ts';
import { discoverBrokers } from '../launcher/discovery/discovery-sources.ts';
import { dnsSdSource } from '../launcher/discovery/dns-sd-source.ts';
import { Children } from '../test/support/children.ts';
import { TestNetwork, netnsUnavailable } from '../test/support/netns.ts';
import { startPrivateSystemBus } from '../test/support/private-bus.ts';
import { startAvahi } from '../test/support/peers/avahi.ts';
import { percentile } from './stats.ts';

const runs = 200;
const round = (value: number) => Math.round(value * 100) / 100;

function figures(times: readonly number[]) {
  return { runs: times.length, p50Ms: round(percentile(times, 50)), p95Ms: round(percentile(times, 95)), maxMs: round(Math.max(...times)) };
}

function configured(work: string, layer: 'flag' | 'cmdline' | 'config-file'): LoadedConfig {
  const cmdline = join(work, `cmdline-${layer}`);
  const file = join(work, `launcher-${layer}.conf`);
  writeFileSync(cmdline, layer === 'cmdline' ? 'quiet vdd.broker=http://10.0.0.2:8080/,http://10.0.0.3:8080/\n' : 'quiet\n');
  writeFileSync(file, layer === 'config-file' ? '[common]\nbroker = https://vdd.lab:8443/\n' : '[common]\n');
  return loadConfig({
    configFiles: [{ path: file, required: true }],
    cmdlineFile: cmdline,
    env: {},
    flags: layer === 'flag' ? [{ key: 'broker', name: 'broker', value: 'http://127.0.0.1:8080/', source: { kind: 'flag', flag: '--broker' } }] : [],
    identity: { macs: ['52:54:00:12:34:56'], ips: [], hostname: 'bench' },
  });
}

/** discoverBrokers() with the broker set on each configuration layer; the DHCP lease file is absent. */
export async function benchConfiguredDiscovery(work: string) {
  const results: Record<string, unknown> = { targetMs: 20 };
  for (const layer of ['flag', 'cmdline', 'config-file'] as const) {
    const loaded = configured(work, layer);
    const times: number[] = [];
    for (let i = 0; i < runs; i++) {
      const started = performance.now();
      const discovery = await discoverBrokers({ ...loaded, config: { ...loaded.config, dhcp_file: join(work, 'no-lease.env') } }, {});
      times.push(performance.now() - started);
      if (discovery.brokers.length === 0) throw new Error(`no broker found on layer ${layer}`);
    }
    results[layer] = figures(times);
  }
  return results;
}

/** A cold DNS-SD browse (new D-Bus connection, ServiceBrowserPrepare/Start, ResolveService) per run. */
export async function benchAvahiDiscovery() {
  const unavailable = netnsUnavailable();
  if (unavailable) return { skipped: unavailable };
  try {
    execFileSync('avahi-daemon', ['--version'], { stdio: 'ignore' });
  } catch {
    return { skipped: 'avahi-daemon is not installed (sh build/setup.sh)' };
  }
  const dir = mkdtempSync('/tmp/vdd-bench-avahi-');
  const children = new Children();
  const network = new TestNetwork();
  try {
    const netns = network.namespace('bench-avahi');
    const bus = await startPrivateSystemBus(children, dir);
    await startAvahi(children, dir, netns, bus.address, [{ name: 'Bench broker', type: '_vdd._tcp', port: 8080, txt: ['path=/'] }]);
    const env = { DBUS_SYSTEM_BUS_ADDRESS: bus.address };
    const times: number[] = [];
    for (let i = 0; i < 20; i++) {
      const started = performance.now();
      const finding = await dnsSdSource(env, 2000).find(AbortSignal.timeout(3000));
      times.push(performance.now() - started);
      if (finding.brokers.length !== 1) throw new Error(`expected one broker, found: ${finding.detail}`);
    }
    return { targetMs: 1200, firstMs: round(times[0] ?? 0), ...figures(times) };
  } finally {
    await children.stopAll();
    network.destroy();
    rmSync(dir, { recursive: true, force: true });
  }
}
