// A network namespace for XDMCP tests: a veth pair with both ends inside it, because an X server
// never offers loopback addresses in its XDMCP Request (a display manager on loopback answers
// Decline "No valid address"). The display manager listens on one end, X servers use the other.
import { execFileSync } from 'node:child_process';
import type { TestNetwork } from '../netns.ts';
import { waitFor, type Child } from '../children.ts';

export type XdmcpNetwork = { readonly netns: string; readonly serverAddress: string; readonly clientAddress: string };

export function xdmcpNetwork(network: TestNetwork, label = 'xdmcp'): XdmcpNetwork {
  const netns = network.namespace(label);
  network.veth({ netns, address: '10.203.0.1/24' }, { netns, address: '10.203.0.2/24' });
  return { netns, serverAddress: '10.203.0.1', clientAddress: '10.203.0.2' };
}

/** Waits until something in netns listens on UDP port (display managers answer ~20 ms after start). */
export async function waitForUdpPort(netns: string, port: number, child: Child): Promise<void> {
  await waitFor(
    `UDP port ${port} in ${netns}`,
    () => execFileSync('ip', ['netns', 'exec', netns, 'ss', '-H', '-uln', `sport = :${port}`], { encoding: 'utf8' }).trim() !== '',
    { child },
  );
}
