// dnsmasq as the site's DHCP and DNS server for discovery tests: in a server namespace with a veth
// pair to a client namespace (both made by the test), its options given as config-file lines
// (quotes on dnsmasq's command line would become part of the values).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Child, Children } from '../children.ts';
import { waitForFile } from '../children.ts';
import type { TestNetwork } from '../netns.ts';

export type DhcpNetwork = {
  readonly serverNetns: string;
  readonly clientNetns: string;
  readonly serverAddress: string;
  /** The client's interface, where udhcpc runs. */
  readonly clientInterface: string;
  /** First three octets, e.g. "10.204.1". */
  readonly prefix: string;
};

export function dhcpNetwork(network: TestNetwork, prefix: string): DhcpNetwork {
  const serverNetns = network.namespace('dhcps');
  const clientNetns = network.namespace('dhcpc');
  // The client end gets a placeholder address; DHCP adds the leased one next to it.
  const [, clientInterface] = network.veth({ netns: serverNetns, address: `${prefix}.1/24` }, { netns: clientNetns, address: `${prefix}.200/24` });
  return { serverNetns, clientNetns, serverAddress: `${prefix}.1`, clientInterface, prefix };
}

/** dnsmasq serving DHCP (and DNS on port 53) in the server namespace; extraLines are dnsmasq.conf lines. */
export async function startDnsmasq(children: Children, dir: string, net: DhcpNetwork, extraLines: readonly string[]): Promise<Child> {
  const config = join(dir, `dnsmasq-${net.serverNetns}.conf`);
  const pidFile = join(dir, `dnsmasq-${net.serverNetns}.pid`);
  writeFileSync(
    config,
    [
      'bind-interfaces',
      `listen-address=${net.serverAddress}`,
      'except-interface=lo',
      'no-resolv',
      'no-hosts',
      'no-ping',
      'user=root',
      `pid-file=${pidFile}`,
      `dhcp-leasefile=${join(dir, `dnsmasq-${net.serverNetns}.leases`)}`,
      `dhcp-range=${net.prefix}.50,${net.prefix}.99,255.255.255.0,1h`,
      ...extraLines,
      '',
    ].join('\n'),
  );
  const dnsmasq = children.start('dnsmasq', 'dnsmasq', ['--keep-in-foreground', '--log-facility=-', `--conf-file=${config}`], { netns: net.serverNetns });
  await waitForFile(pidFile, dnsmasq);
  return dnsmasq;
}
