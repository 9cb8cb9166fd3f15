// The discovery sources in priority order, from the configuration: the broker key's layers
// (--broker/VDD_BROKER, kernel parameter, ltsp.conf, config file) around DHCP, then the network
// sources named in discovery_sources. Reads broker, dhcp_file, discovery_sources, discovery_timeout.
import type { LoadedConfig } from '../config/load.ts';
import { configuredBrokerSource } from './configured-brokers.ts';
import { dhcpSource } from './dhcp-source.ts';
import { networkSourceNames, type DiscoverySource, type NetworkSourceName, type SourceName } from './discovery-source.ts';
import { dnsSdSource } from './dns-sd-source.ts';
import { dnsSrvSource } from './dns-srv-source.ts';
import { xdmcpBroadcastSource } from './xdmcp-broadcast-source.ts';
import { discover, type Discovery } from './discover.ts';

/** Every source, highest priority first. */
export const sourceOrder = [
  'command-line',
  'kernel',
  'ltsp-conf',
  'dhcp',
  'config-file',
  'dns-sd',
  'dns-srv',
  'xdmcp',
] as const satisfies readonly SourceName[];

export function enabledNetworkSources(loaded: LoadedConfig): Set<NetworkSourceName> {
  const names = loaded.config.discovery_sources.split(/[\s,]+/);
  return new Set(networkSourceNames.filter((name) => names.includes(name)));
}

export function discoverySources(
  loaded: LoadedConfig,
  env: Readonly<Record<string, string | undefined>>,
): { sources: DiscoverySource[]; off: { name: SourceName; label: string }[] } {
  const { config } = loaded;
  const enabled = enabledNetworkSources(loaded);
  const network: Record<NetworkSourceName, () => DiscoverySource> = {
    dhcp: () => dhcpSource(config.dhcp_file),
    'dns-sd': () => dnsSdSource(env, config.discovery_timeout),
    'dns-srv': () => dnsSrvSource(config.dhcp_file, Math.max(100, Math.floor(config.discovery_timeout / 2))),
    xdmcp: () => xdmcpBroadcastSource(),
  };
  const sources: DiscoverySource[] = [];
  const off: { name: SourceName; label: string }[] = [];
  for (const name of sourceOrder) {
    if (name === 'command-line' || name === 'kernel' || name === 'ltsp-conf' || name === 'config-file') sources.push(configuredBrokerSource(name, loaded));
    else {
      const source = network[name]();
      if (enabled.has(name)) sources.push(source);
      else off.push({ name, label: source.label });
    }
  }
  return { sources, off };
}

/** Finds brokers as the configuration says; waitForAll for a full report (discover command). */
export function discoverBrokers(loaded: LoadedConfig, env: Readonly<Record<string, string | undefined>>, waitForAll = false): Promise<Discovery> {
  const { sources, off } = discoverySources(loaded, env);
  return discover(sources, { deadlineMs: loaded.config.discovery_timeout, waitForAll, off, order: sourceOrder });
}
