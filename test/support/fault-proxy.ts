// A TCP proxy on loopback in front of a real peer (vdd-broker) that breaks the link on demand:
// passes bytes through, holds the answers back (a slow or hung broker), or cuts every answer
// after a few bytes (a truncated body). Closed after the test file.
import { connect, createServer, type Socket } from 'node:net';
import { afterAll } from 'vitest';

export type ProxyFault =
  | { readonly kind: 'none' }
  | { readonly kind: 'slow'; readonly delayMs: number }
  | { readonly kind: 'truncate'; readonly afterBytes: number };

export type FaultProxy = {
  readonly port: number;
  readonly url: string;
  /** The fault from now on, on open connections too (clients keep connections alive). */
  set(fault: ProxyFault): void;
};

export async function useFaultProxy(targetPort: number, targetHost = '127.0.0.1'): Promise<FaultProxy> {
  let fault: ProxyFault = { kind: 'none' };
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    const upstream = connect({ host: targetHost, port: targetPort });
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => {});
    }
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
    client.pipe(upstream);
    let sent = 0;
    let counted: ProxyFault = fault;
    upstream.on('data', (chunk: Buffer) => {
      const current = fault;
      if (current !== counted) [counted, sent] = [current, 0];
      if (current.kind === 'slow') {
        upstream.pause();
        setTimeout(() => {
          client.write(chunk);
          upstream.resume();
        }, current.delayMs).unref();
      } else if (current.kind === 'truncate') {
        const room = current.afterBytes - sent;
        if (room > 0) client.write(chunk.subarray(0, room));
        sent += chunk.length;
        if (sent >= current.afterBytes) {
          client.end();
          upstream.destroy();
        }
      } else client.write(chunk);
    });
    upstream.on('end', () => {
      if (fault.kind !== 'slow') client.end();
      else setTimeout(() => client.end(), fault.delayMs).unref();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  afterAll(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => server.close(resolve));
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('fault proxy has no port');
  return {
    port: address.port,
    url: `http://127.0.0.1:${address.port}/`,
    set(next) {
      fault = next;
    },
  };
}
