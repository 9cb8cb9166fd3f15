// A lab in network namespaces: a server namespace (broker and guests) with a veth pair to each PC
// namespace, and a laptop namespace that the broker does not allow. Each PC has its own address
// (10.2XX.N.2, the server end 10.2XX.N.1) and reaches every address of the server through it.
import { execFileSync } from 'node:child_process';
import type { TestNetwork } from './netns.ts';

export type Lab = {
  readonly server: string;
  readonly pcs: readonly { readonly netns: string; readonly address: string; readonly serverAddress: string }[];
  /** The allowed networks, one per PC, as --allow values. */
  readonly allow: readonly string[];
  readonly laptop: { readonly netns: string; readonly address: string; readonly serverAddress: string };
};

let count = 0;

export function makeLab(network: TestNetwork, pcCount: number): Lab {
  const base = 210 + ((process.pid + count++) % 40);
  const server = network.namespace('srv');
  const link = (label: string, subnet: number) => {
    const netns = network.namespace(label);
    network.veth({ netns: server, address: `10.${base}.${subnet}.1/24` }, { netns, address: `10.${base}.${subnet}.2/24` });
    execFileSync('ip', ['-n', netns, 'route', 'add', 'default', 'via', `10.${base}.${subnet}.1`]);
    return { netns, address: `10.${base}.${subnet}.2`, serverAddress: `10.${base}.${subnet}.1` };
  };
  const pcs = Array.from({ length: pcCount }, (_, index) => link(`pc${index + 1}`, index + 1));
  return { server, pcs, allow: pcs.map((_, index) => `10.${base}.${index + 1}.0/24`), laptop: link('laptop', 99) };
}
