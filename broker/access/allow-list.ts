// Which client addresses may use the broker: the networks of --allow CIDR (repeatable), where
// `local` stands for the networks of the broker host's own interfaces. Without --allow only
// loopback may (safe by default: a broker started by hand serves nobody else until told whom).
// IPv4 clients of an IPv6 socket (::ffff:a.b.c.d) count as the IPv4 address.
import { BlockList, isIP } from 'node:net';
import { networkInterfaces } from 'node:os';

export type AllowList = {
  allows(address: string): boolean;
  /** The networks, as the log and docs show them. */
  readonly networks: readonly string[];
  /** No --allow was given: loopback only. */
  readonly loopbackOnly: boolean;
};

export class AllowError extends Error {
  override readonly name = 'AllowError';
}

export const loopbackNetworks = ['127.0.0.0/8', '::1/128'] as const;

/** A socket's remote address as the allow list and the leases see it. */
export function clientAddress(remote: string | undefined): string {
  if (remote === undefined) return 'unknown';
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(remote);
  return mapped?.[1] ?? remote;
}

/** The networks of this host's interfaces, as CIDR. */
export function localNetworks(): string[] {
  return Object.values(networkInterfaces())
    .flatMap((addresses) => addresses ?? [])
    .map((address) => address.cidr)
    .filter((cidr): cidr is string => cidr !== null)
    .map((cidr) => cidr.replace(/%[^/]*/, ''));
}

function parseNetwork(text: string): { address: string; prefix: number; family: 'ipv4' | 'ipv6' } {
  const match = /^([0-9A-Fa-f:.]+)(?:\/(\d{1,3}))?$/.exec(text);
  const version = match ? isIP(match[1] ?? '') : 0;
  if (!match || version === 0) throw new AllowError(`--allow ${text}: expected an address or network like 10.0.0.0/24, fd00::/64, or local`);
  const bits = version === 4 ? 32 : 128;
  const prefix = match[2] === undefined ? bits : Number(match[2]);
  if (prefix > bits) throw new AllowError(`--allow ${text}: a prefix of at most ${bits} bits`);
  return { address: match[1] as string, prefix, family: version === 4 ? 'ipv4' : 'ipv6' };
}

export function parseAllowList(values: readonly string[]): AllowList {
  const networks = values.length === 0 ? [...loopbackNetworks] : values.flatMap((value) => (value === 'local' ? localNetworks() : [value]));
  const list = new BlockList();
  for (const network of networks) {
    const { address, prefix, family } = parseNetwork(network);
    list.addSubnet(address, prefix, family);
  }
  return {
    networks,
    loopbackOnly: values.length === 0,
    allows(address) {
      const version = isIP(address);
      return version !== 0 && list.check(address, version === 4 ? 'ipv4' : 'ipv6');
    },
  };
}
