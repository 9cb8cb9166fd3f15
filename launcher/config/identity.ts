// The client's identity (MACs, IP addresses, hostname) that config sections are matched against.
import { hostname, networkInterfaces } from 'node:os';

export type ClientIdentity = {
  readonly macs: readonly string[];
  readonly ips: readonly string[];
  readonly hostname: string;
};

export function readIdentity(): ClientIdentity {
  const macs = new Set<string>();
  const ips: string[] = [];
  for (const addresses of Object.values(networkInterfaces())) {
    for (const address of addresses ?? []) {
      if (address.internal) continue;
      if (address.mac !== '00:00:00:00:00:00') macs.add(address.mac.toLowerCase());
      ips.push(address.address);
    }
  }
  return { macs: [...macs], ips, hostname: hostname().toLowerCase() };
}

/** Normalises a MAC written with '-' or ':' and any case to aa:bb:cc:dd:ee:ff, or undefined. */
export function normaliseMac(mac: string): string | undefined {
  const hex = mac.toLowerCase().split(/[:-]/);
  if (hex.length !== 6 || !hex.every((byte) => /^[0-9a-f]{2}$/.test(byte))) return undefined;
  return hex.join(':');
}
