// Discovery source: the DHCP lease's option 224, else vendor option 43 (config key dhcp_file).
import { brokersFromOption224, brokersFromOption43, DhcpOptionError } from './dhcp-options.ts';
import { DhcpLeaseError, readDhcpLease } from './dhcp-lease.ts';
import { nothing, type DiscoverySource, type FoundBroker } from './discovery-source.ts';

export function dhcpSource(dhcpFile: string): DiscoverySource {
  return {
    name: 'dhcp',
    stage: 'local',
    label: 'DHCP option 224 / 43',
    find: async () => {
      const lease = readDhcpLease(dhcpFile);
      if (lease === undefined) return nothing(`no lease information in ${dhcpFile}`);
      const problems: string[] = [];
      for (const [via, bytes, decode] of [
        ['DHCP option 224', lease.option224, brokersFromOption224],
        ['DHCP option 43', lease.option43, brokersFromOption43],
      ] as const) {
        if (bytes === undefined) continue;
        try {
          const brokers: FoundBroker[] = decode(bytes).map((url) => ({ url, via }));
          if (brokers.length > 0) return { brokers, detail: `${via} in the lease on ${lease.interface ?? 'an unnamed interface'}` };
        } catch (error) {
          if (!(error instanceof DhcpOptionError)) throw error;
          problems.push(error.message);
        }
      }
      if (problems.length > 0) throw new DhcpLeaseError(problems.join('; '));
      return nothing(`the lease on ${lease.interface ?? 'an unnamed interface'} has neither option 224 nor 43`);
    },
  };
}
