// The menu's status reports to the catalog's broker (broker-client/status-reports.ts): who this PC
// is (first MAC, host name, addresses), the image it runs (image_version_file), and, once the
// hardware is read, the fitness verdict and a few hardware facts. Loaded after the first frame.
// Reads config keys image_version_file, broker_timeout and broker_ca.
import { isIP } from 'node:net';
import { isHost } from '../../common/net/host.ts';
import { version } from '../../common/version.ts';
import { brokerSettings } from '../broker-client/broker-settings.ts';
import { startStatusReporter, type StatusFacts, type StatusReporter } from '../broker-client/status-reports.ts';
import type { LoadedConfig } from '../config/load.ts';
import type { HardwareFacts } from '../profile/hardware-facts.ts';
import { hardwareFitness } from '../report/fitness-verdict.ts';
import { readRunningImage } from '../update/check/running-image.ts';

/** Undefined (and a log line) when this PC has no MAC to be known by. */
export function startStatusReporting(loaded: LoadedConfig, log: (line: string) => void): StatusReporter | undefined {
  const { identity, config } = loaded;
  const mac = identity.macs[0];
  if (mac === undefined) {
    log('report: no status reports: this PC has no network card with a MAC address');
    return undefined;
  }
  const settings = brokerSettings(config);
  const reporter = startStatusReporter({
    client: {
      mac,
      ...(isHost(identity.hostname) ? { hostname: identity.hostname } : {}),
      ips: identity.ips.filter((ip) => isIP(ip) !== 0).slice(0, 16),
    },
    launcherVersion: version,
    request: { timeoutMs: settings.timeoutMs, caFile: settings.caFile, clientCertificate: settings.clientCertificate },
    log,
  });
  const image = readRunningImage(config.image_version_file);
  if (image.line !== undefined && image.version !== undefined)
    reporter.setFacts({ image: { ...(image.name === undefined ? {} : { name: image.name.slice(0, 64) }), version: image.version.slice(0, 64) } });
  return reporter;
}

/** The verdict from what the menu knows of the hardware, and the facts worth a column on the admin page. */
export function hardwareStatus(facts: HardwareFacts): StatusFacts {
  return {
    fitness: hardwareFitness(facts).verdict,
    hardware: { cpu: facts.cpu.model.slice(0, 256), cpuCores: facts.cpu.cores, ramMiB: Math.round(facts.memory.totalBytes / 1048576) },
  };
}
