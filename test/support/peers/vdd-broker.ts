// vdd-broker itself as a test peer: the checkout's bin/vdd-broker.js with a catalog file, on a
// free loopback port (or an address inside a test namespace), stopped by PID after the test file.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Child, Children } from '../children.ts';
import { waitFor, waitForTcpPort } from '../children.ts';
import { freeTcpPort } from './free-port.ts';

export const brokerProgram = fileURLToPath(new URL('../../../bin/vdd-broker.js', import.meta.url));

/** For load runs from one loopback address standing in for many PCs: lifts the per-address limits
 * (connections, requests, reports) a lab's PCs, each with its own address, never share. */
export const oneAddressForManyPcs = ['--max-connections', '100000', '--request-rate', '100000', '--report-rate', '100000'] as const;

export type RunningBroker = { readonly child: Child; readonly url: string; readonly port: number };

export type BrokerPeerOptions = {
  readonly extraArgs?: readonly string[];
  readonly tls?: { readonly certFile: string; readonly keyFile: string };
  /** Listen inside this namespace on host (the caller waits for the port). */
  readonly netns?: string;
  readonly host?: string;
  readonly port?: number;
};

export async function startVddBroker(children: Children, catalogFile: string, options: BrokerPeerOptions = {}): Promise<RunningBroker> {
  const host = options.host ?? '127.0.0.1';
  const port = options.port ?? (await freeTcpPort());
  const tls = options.tls ? ['--tls-cert', options.tls.certFile, '--tls-key', options.tls.keyFile] : [];
  // In a namespace of its own, on an address other than loopback, a test's broker serves whoever
  // reaches it there (tests of who may are in test/integration/broker/access.test.ts and give their
  // own --allow); on loopback the default (loopback only) serves the test, as it serves the demo.
  const everyone = options.netns !== undefined && !/^(127\.|::1$)/.test(host) && !(options.extraArgs ?? []).includes('--allow');
  const allow = everyone ? ['--allow', '0.0.0.0/0', '--allow', '::/0'] : [];
  // Tests poll a broker every 20 ms from one address: more than the default rate a PC gets (the
  // limit's own tests give --request-rate themselves).
  const rate = (options.extraArgs ?? []).includes('--request-rate') ? [] : ['--request-rate', '1000'];
  const child = children.start(
    'vdd-broker',
    process.execPath,
    [brokerProgram, '--catalog', catalogFile, '--listen', `${host}:${port}`, ...tls, ...allow, ...rate, ...(options.extraArgs ?? [])],
    options.netns ? { netns: options.netns } : {},
  );
  if (options.netns === undefined) await waitForTcpPort(host, port, child);
  else await waitFor('vdd-broker to say it serves', () => child.log.includes(' serving '), { child });
  return { child, url: `${tls.length > 0 ? 'https' : 'http'}://${host}:${port}/`, port };
}

/** A catalog file without guests in dir (for a broker that serves only a hypervisor's guests); returns its path. */
export function writeEmptyCatalog(dir: string, name = 'catalog.json'): string {
  const file = join(dir, name);
  writeFileSync(file, JSON.stringify({ version: 1, broker: { id: 'lv', name: 'VM hosts' }, ttl: 30, guests: [] }));
  return file;
}
