// A TCP port on loopback that nothing listens on right now, for peers that need a fixed port.
import { createServer } from 'node:net';

export function freeTcpPort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, host, () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/** A free port at 5900 + N (QEMU's -vnc takes a display number, not a port). */
export async function freeVncDisplay(host = '127.0.0.1'): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const display = 100 + Math.floor(Math.random() * 900);
    if (await portFree(host, 5900 + display)) return display;
  }
  throw new Error('no free VNC display between 100 and 999');
}

export function portFree(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, host, () => server.close(() => resolve(true)));
  });
}
