// What a discovery source is and what it finds: brokers (URLs, with how they were found) or, for
// the XDMCP broadcast, display managers that become xdmcp guests when no broker exists.
import type { Guest } from '../../common/protocol/broker-protocol.ts';

export type SourceName = 'command-line' | 'kernel' | 'ltsp-conf' | 'dhcp' | 'config-file' | 'dns-sd' | 'dns-srv' | 'xdmcp';

export type FoundBroker = {
  readonly url: string;
  /** How it was found, for the info screen and discover: "DHCP option 224". */
  readonly via: string;
};

export type SourceFinding = {
  readonly brokers: readonly FoundBroker[];
  readonly guests?: readonly Guest[];
  /** One line: what was looked at and what came of it. */
  readonly detail: string;
};

/** local: configuration and files, no network traffic; network: asks servers; fallback: only when nothing else found a broker. */
export type SourceStage = 'local' | 'network' | 'fallback';

export type DiscoverySource = {
  readonly name: SourceName;
  readonly label: string;
  readonly stage: SourceStage;
  /** Looks; stops early when signal aborts (the deadline passed or a better source won). */
  find(signal: AbortSignal): Promise<SourceFinding>;
};

export const networkSourceNames = ['dhcp', 'dns-sd', 'dns-srv', 'xdmcp'] as const;
export type NetworkSourceName = (typeof networkSourceNames)[number];

export function nothing(detail: string): SourceFinding {
  return { brokers: [], detail };
}
