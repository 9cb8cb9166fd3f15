// The HTTP server the netbooting guest fetches from: a few named files of one image version,
// on loopback only (the guest reaches it through QEMU's guestfwd), GET and HEAD, nothing else.
import { createReadStream, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';

export type ImageServer = { readonly port: number; readonly requests: string[]; close(): Promise<void> };

export const servedFiles = ['vdd.ipxe', 'vmlinuz', 'initrd.img', 'root.squashfs', 'nbd.img'] as const;

export async function serveImage(dir: string): Promise<ImageServer> {
  const requests: string[] = [];
  const server: Server = createServer((request, response) => {
    const name = (request.url ?? '').replace(/^\/+/, '');
    requests.push(`${request.method} /${name}`);
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    if (!(servedFiles as readonly string[]).includes(name)) {
      response.writeHead(404).end();
      return;
    }
    const path = join(dir, name);
    let size: number;
    try {
      size = statSync(path).size;
    } catch {
      response.writeHead(404).end();
      return;
    }
    response.writeHead(200, { 'content-length': size, 'content-type': 'application/octet-stream' });
    if (request.method === 'HEAD') response.end();
    else createReadStream(path).pipe(response);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  return {
    port: (server.address() as AddressInfo).port,
    requests,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
