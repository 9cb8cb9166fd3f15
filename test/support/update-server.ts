// A loopback HTTP server for update tests and the update benchmark: serves the files under one
// directory (a publish root: current/, versions/V/) with Range support (206 + Content-Range, as nginx does), logs each request's Range,
// and can cut the connection in the middle of a file the first times it is asked for.
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';

export type Cut = { readonly name: string; readonly afterBytes: number; times: number };

export type UpdateServer = {
  readonly base: URL;
  readonly requests: { name: string; range: string | undefined; status: number }[];
  /** Cut the next `times` answers for name after afterBytes bytes of the body. */
  cut(cut: Cut): void;
  close(): Promise<void>;
};

const rangePattern = /^bytes=(\d+)-$/;

export async function startUpdateServer(dir: string): Promise<UpdateServer> {
  const cuts: Cut[] = [];
  const requests: UpdateServer['requests'] = [];
  const server: Server = createServer((request, response) => {
    const name = decodeURIComponent((request.url ?? '').replace(/^\/+/, ''));
    const range = request.headers.range;
    const log = (status: number) => requests.push({ name, range, status });
    let size: number;
    try {
      // Paths inside dir only (current/manifest.json, versions/V/root.squashfs): no empty or dot segments.
      if (name.split('/').some((segment) => segment === '' || segment.startsWith('.'))) throw new Error('outside');
      size = statSync(join(dir, name)).size;
    } catch {
      log(404);
      response.writeHead(404).end();
      return;
    }
    let start = 0;
    const match = range === undefined ? null : rangePattern.exec(range);
    if (match) start = Number(match[1]);
    if (match && start >= size) {
      log(416);
      response.writeHead(416, { 'content-range': `bytes */${size}` }).end();
      return;
    }
    const status = match ? 206 : 200;
    log(status);
    response.writeHead(status, {
      'content-length': String(size - start),
      'accept-ranges': 'bytes',
      ...(match ? { 'content-range': `bytes ${start}-${size - 1}/${size}` } : {}),
    });
    const cut = cuts.find((entry) => entry.name === name && entry.times > 0);
    if (cut) cut.times -= 1;
    const stopAt = cut ? Math.min(size, start + cut.afterBytes) : size;
    const fd = openSync(join(dir, name), 'r');
    const buffer = Buffer.alloc(1024 * 1024);
    let position = start;
    const pump = () => {
      while (position < stopAt) {
        const read = readSync(fd, buffer, 0, Math.min(buffer.length, stopAt - position), position);
        position += read;
        if (!response.write(Buffer.from(buffer.subarray(0, read)))) return void response.once('drain', pump);
      }
      closeSync(fd);
      // A cut: the socket closes with the body incomplete, as a dropped link or a killed server does.
      if (cut) response.socket?.destroy();
      else response.end();
    };
    pump();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    base: new URL(`http://127.0.0.1:${port}/`),
    requests,
    cut: (cut) => cuts.push(cut),
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
