// Network namespaces and veth pairs made by the test itself, so daemons that multicast or need
// a non-loopback address (avahi, xdm, dnsmasq) never touch the machine's real network.
import { execFileSync } from 'node:child_process';
import { afterAll } from 'vitest';

let counter = 0;

function ip(...args: string[]): void {
  execFileSync('ip', args, { stdio: ['ignore', 'ignore', 'pipe'] });
}

/** Why namespaces cannot be made here, or undefined when they can. */
export function netnsUnavailable(): string | undefined {
  if (process.getuid?.() !== 0) return 'network namespaces need root';
  try {
    execFileSync('ip', ['-V'], { stdio: 'ignore' });
  } catch {
    return 'iproute2 (ip) is not installed';
  }
  return undefined;
}

export type VethEnd = { readonly netns?: string; readonly address: string };

export class TestNetwork {
  private readonly namespaces: string[] = [];
  private readonly rootLinks: string[] = [];

  /** A new namespace with lo up. */
  namespace(label: string): string {
    const name = `vdd-${label}-${process.pid}-${++counter}`;
    ip('netns', 'add', name);
    this.namespaces.push(name);
    ip('-n', name, 'link', 'set', 'lo', 'up');
    return name;
  }

  /** A veth pair; each end in a namespace (or the root one when netns is absent), with an address like 10.203.0.1/24. Returns the interface names. */
  veth(a: VethEnd, b: VethEnd): [string, string] {
    const id = `${process.pid % 100000}${++counter}`;
    const [nameA, nameB] = [`vda${id}`, `vdb${id}`];
    ip('link', 'add', nameA, 'type', 'veth', 'peer', 'name', nameB);
    if (a.netns === undefined || b.netns === undefined) this.rootLinks.push(a.netns === undefined ? nameA : nameB);
    for (const [name, end] of [
      [nameA, a],
      [nameB, b],
    ] as const) {
      if (end.netns !== undefined) ip('link', 'set', name, 'netns', end.netns);
      const scope = end.netns === undefined ? [] : ['-n', end.netns];
      ip(...scope, 'addr', 'add', end.address, 'dev', name);
      ip(...scope, 'link', 'set', name, 'up');
    }
    return [nameA, nameB];
  }

  destroy(): void {
    for (const link of this.rootLinks.splice(0)) {
      try {
        ip('link', 'del', link);
      } catch {
        // Went with its namespace.
      }
    }
    for (const name of this.namespaces.splice(0)) {
      try {
        ip('netns', 'del', name);
      } catch {
        // Already gone.
      }
    }
  }
}

/** A TestNetwork torn down after the current test file. Call it before useChildren: after-hooks run in
 * reverse order, so the daemons stop before their namespaces go. */
export function useTestNetwork(): TestNetwork {
  const network = new TestNetwork();
  afterAll(() => network.destroy());
  return network;
}
