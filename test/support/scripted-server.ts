// A loopback TCP server that answers with whatever bytes the test scripts, for property tests of
// network parsers: each request (HTTP: a header block; other protocols: the connection) gets the
// current script's chunks, written one by one, then the connection is closed, reset or left
// hanging. Stopped after the test file.
import { createServer, type Socket } from 'node:net';
import { afterAll } from 'vitest';

export type ServerScript = {
  readonly chunks: readonly Buffer[];
  /** What happens after the last chunk: close cleanly, reset (RST), or never answer again. */
  readonly then: 'close' | 'reset' | 'stall';
};

export type ScriptedServer = {
  readonly port: number;
  /** The script for the next requests. */
  play(script: ServerScript): void;
  /** Bytes written on the current script's connections so far (for bounded-read checks). */
  readonly bytesWritten: number;
};

const headerEnd = Buffer.from('\r\n\r\n');

/** mode http: answers after each request's header block; mode connect: as soon as a client connects. */
export async function useScriptedServer(mode: 'http' | 'connect'): Promise<ScriptedServer> {
  let script: ServerScript = { chunks: [], then: 'close' };
  let written = 0;
  const sockets = new Set<Socket>();
  const perform = async (socket: Socket, current: ServerScript) => {
    for (const chunk of current.chunks) {
      if (socket.destroyed) return;
      const drained = socket.write(chunk);
      written += chunk.length;
      // A separate write per chunk, so the client's parser sees the pieces apart.
      await new Promise((resolve) => (drained ? setImmediate(resolve) : socket.once('drain', resolve).once('close', resolve)));
    }
    if (current.then === 'close') socket.end();
    else if (current.then === 'reset') socket.resetAndDestroy();
  };
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    if (mode === 'connect') {
      void perform(socket, script);
      socket.resume();
      return;
    }
    let pending = Buffer.alloc(0);
    socket.on('data', (data: Buffer) => {
      pending = Buffer.concat([pending, data]).subarray(-65536);
      const end = pending.indexOf(headerEnd);
      if (end === -1) return;
      // The body, if any, is small (session requests): skip what arrived and answer.
      pending = Buffer.alloc(0);
      void perform(socket, script);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  afterAll(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => server.close(resolve));
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('scripted server has no port');
  return {
    port: address.port,
    play(next) {
      for (const socket of sockets) if (script.then === 'stall') socket.destroy();
      script = next;
      written = 0;
    },
    get bytesWritten() {
      return written;
    },
  };
}
