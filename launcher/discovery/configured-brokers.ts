// The discovery sources that are configuration: --broker / VDD_BROKER, kernel parameter
// vdd.broker, VDD_BROKER in LTSP's ltsp.conf and broker= in a config file. The config layer
// already merged them into the broker key; its origin tells which layer set it, so exactly one of
// these finds the brokers.
import type { LoadedConfig } from '../config/load.ts';
import { formatSource, type SettingSource } from '../../common/launcher-config/source.ts';
import { nothing, type DiscoverySource, type SourceName } from './discovery-source.ts';

type Layer = {
  readonly name: SourceName;
  readonly label: string;
  readonly matches: (origin: SettingSource) => boolean;
  readonly via: (origin: SettingSource) => string;
};

const layers: readonly Layer[] = [
  {
    name: 'command-line',
    label: '--broker / VDD_BROKER',
    matches: (origin) => origin.kind === 'flag' || origin.kind === 'env',
    via: (origin) => (origin.kind === 'env' ? 'VDD_BROKER' : origin.kind === 'flag' && origin.flag === '--set' ? '--set broker' : '--broker'),
  },
  { name: 'kernel', label: 'kernel parameter vdd.broker', matches: (origin) => origin.kind === 'cmdline', via: () => 'kernel parameter vdd.broker' },
  {
    name: 'ltsp-conf',
    label: 'ltsp.conf VDD_BROKER',
    matches: (origin) => origin.kind === 'file' && origin.layer === 'ltsp',
    via: (origin) => `ltsp.conf ${formatSource(origin)}`,
  },
  {
    name: 'config-file',
    label: 'config file broker=',
    matches: (origin) => origin.kind === 'file' && origin.layer !== 'ltsp',
    via: (origin) => `config ${formatSource(origin)}`,
  },
];

export function configuredBrokerSource(name: 'command-line' | 'kernel' | 'ltsp-conf' | 'config-file', loaded: LoadedConfig): DiscoverySource {
  const layer = layers.find((entry) => entry.name === name);
  if (layer === undefined) throw new Error(`no configuration layer ${name}`);
  const origin = loaded.origins.broker;
  const brokers = loaded.config.broker;
  return {
    name,
    label: layer.label,
    stage: 'local',
    find: async () => {
      if (brokers.length === 0) return nothing('broker is not set');
      if (!layer.matches(origin)) return nothing(`not used: broker is set by ${formatSource(origin)}`);
      const via = layer.via(origin);
      return {
        brokers: brokers.map((url) => ({ url, via })),
        detail: `${brokers.length} broker${brokers.length === 1 ? '' : 's'} from ${formatSource(origin)}`,
      };
    },
  };
}
