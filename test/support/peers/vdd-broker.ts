// vdd-broker itself as a test peer: the checkout's bin/vdd-broker.js with a catalog file, on a
// free loopback port (or an address inside a test namespace), stopped by PID after the test file.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Child, Children } from '../children.ts';
import { waitFor, waitForTcpPort } from '../children.ts';
import { freeTcpPort } from './free-port.ts';

export const brokerProgram = fileURLToPath(new URL('../../../bin/vdd-broker.js', import.meta.url));

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
  const child = children.start(
    'vdd-broker',
    process.execPath,
    [brokerProgram, '--catalog', catalogFile, '--listen', `${host}:${port}`, ...tls, ...(options.extraArgs ?? [])],
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
