// The DHCP lease as the image's DHCP hook leaves it (overlays/common/usr/share/vdd/udhcpc-hook writes
// KEY=value lines to the file in config key dhcp_file): parsed strictly, every value checked.
import { isIP } from 'node:net';
import { ReadError, readBoundedText } from '../../common/io/read-bounded.ts';
import { isHostname } from '../../common/net/host.ts';
import { quote } from '../../common/text/terminal-safe.ts';

export type DhcpLease = {
  readonly interface: string | undefined;
  readonly domain: string | undefined;
  readonly search: readonly string[];
  readonly dns: readonly string[];
  /** Raw bytes of private option 224 and vendor option 43, when the server sent them. */
  readonly option224: Buffer | undefined;
  readonly option43: Buffer | undefined;
};

const maxBytes = 8192;

export class DhcpLeaseError extends Error {
  override readonly name = 'DhcpLeaseError';
}

function hex(path: string, key: string, value: string): Buffer | undefined {
  if (value === '') return undefined;
  if (!/^(?:[0-9a-fA-F]{2}){1,255}$/.test(value)) throw new DhcpLeaseError(`${path}: ${key} is not 1-255 bytes of hex`);
  return Buffer.from(value, 'hex');
}

function names(path: string, key: string, value: string): string[] {
  const list = value.split(' ').filter((name) => name !== '');
  const bad = list.find((name) => !isHostname(name));
  if (bad !== undefined) throw new DhcpLeaseError(`${path}: ${key} has ${quote(bad)}, not a domain name`);
  return list.slice(0, 8);
}

/** The lease, or undefined when the file does not exist (no lease yet, or no DHCP). */
export function readDhcpLease(path: string): DhcpLease | undefined {
  let text: string;
  try {
    text = readBoundedText(path, maxBytes);
  } catch (error) {
    if (error instanceof ReadError && error.code === 'ENOENT') return undefined;
    throw new DhcpLeaseError(`${path}: ${(error as Error).message}`, { cause: error });
  }
  const values = new Map<string, string>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const match = /^([a-z0-9]{1,16})=(.*)$/.exec(line);
    if (!match) throw new DhcpLeaseError(`${path}: unexpected line ${quote(line)}`);
    values.set(match[1] ?? '', match[2] ?? '');
  }
  const get = (key: string) => values.get(key) ?? '';
  const dns = get('dns')
    .split(' ')
    .filter((address) => address !== '');
  const badDns = dns.find((address) => isIP(address) === 0);
  if (badDns !== undefined) throw new DhcpLeaseError(`${path}: dns has ${quote(badDns)}, not an IP address`);
  const [domain] = names(path, 'domain', get('domain'));
  return {
    // Shown on the info screen: only what the hook itself lets through.
    interface: /^[A-Za-z0-9_.-]{1,15}$/.test(get('interface')) ? get('interface') : undefined,
    domain,
    search: names(path, 'search', get('search')),
    dns: dns.slice(0, 4),
    option224: hex(path, 'opt224', get('opt224')),
    option43: hex(path, 'opt43', get('opt43')),
  };
}
