// A vdd-broker serving a catalog the test writes (and can rewrite while it runs), for tests of
// what clients do with catalogs; states as written (no probes).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Catalog, Guest } from '../../common/protocol/broker-protocol.ts';
import type { Child, Children } from './children.ts';
import { startVddBroker, type BrokerPeerOptions } from './peers/vdd-broker.ts';

export type TestBroker = {
  readonly url: string;
  readonly child: Child;
  /** Replaces the served catalog (the broker reloads the file on change). */
  setGuests(guests: readonly Guest[]): void;
  readonly catalogFile: string;
};

let count = 0;

export function catalogOf(guests: readonly Guest[], ttl = 30): Catalog {
  return { version: 1, broker: { id: 'test', name: 'Test broker' }, ttl, guests: [...guests] };
}

/** ttl: how often clients should refresh (seconds); options go to startVddBroker (port, tls...). */
export async function startBroker(
  children: Children,
  dir: string,
  guests: readonly Guest[],
  options: { ttl?: number } & BrokerPeerOptions = {},
): Promise<TestBroker> {
  const catalogFile = join(dir, `catalog-${process.pid}-${++count}.json`);
  const setGuests = (list: readonly Guest[]) => writeFileSync(catalogFile, JSON.stringify(catalogOf(list, options.ttl)));
  setGuests(guests);
  const { url, child } = await startVddBroker(children, catalogFile, { ...options, extraArgs: ['--probe-interval', '0', ...(options.extraArgs ?? [])] });
  return { url, child, setGuests, catalogFile };
}

/** A guest for client tests; override what matters. */
export function testGuest(id: string, overrides: Partial<Guest> = {}): Guest {
  return { id, name: `Guest ${id}`, os: 'Debian', protocol: 'vnc', host: '127.0.0.1', port: 5999, state: 'running', ...overrides };
}

/** A catalog file for vdd-broker with these guests (file form: broker-only keys allowed). */
export function writeCatalogFile(file: string, guests: readonly Record<string, unknown>[], ttl = 30): string {
  writeFileSync(file, JSON.stringify({ version: 1, broker: { id: 'lab', name: 'Lab' }, ttl, guests }));
  return file;
}

/** The catalog file entry of "Lab desktop", an Xvnc started by startXvnc with a password: its password file is the broker's to write. */
export function xvncDesktop(xvnc: { readonly port: number; readonly passwordFile: string | undefined }, host = '127.0.0.1'): Record<string, unknown> {
  return { id: 'desk', name: 'Lab desktop', os: 'Linux', protocol: 'vnc', host, port: xvnc.port, auth: 'vnc-password', passwordFile: xvnc.passwordFile };
}
