// Host names and addresses that may come from the network: RFC 1123 host names, IPv4, IPv6.
import { isIP } from 'node:net';

const label = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/i;

export function isHostname(value: string): boolean {
  if (value.length === 0 || value.length > 253) return false;
  const name = value.endsWith('.') ? value.slice(0, -1) : value;
  return name.split('.').every((part) => label.test(part));
}

/** A host name or an IP address (IPv6 without brackets). */
export function isHost(value: string): boolean {
  return isIP(value) !== 0 || isHostname(value);
}
