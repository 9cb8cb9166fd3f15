// RFB handshake against scripted servers for what real ones never send: malformed and hostile
// answers, refusals with reasons, hang-ups and silence (probes.test.ts covers Xvnc and QEMU).
import { createServer, type Socket } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { probeRfb } from '../../../common/probe/rfb-handshake.ts';

const timeoutMs = 3000;

describe('RFB probe against malformed answers', () => {
  const servers: ReturnType<typeof createServer>[] = [];
  afterAll(() => {
    for (const server of servers) server.close();
  });

  /** A scripted server on loopback that answers every connection with script. */
  async function scripted(script: (socket: Socket) => void): Promise<number> {
    const server = createServer(script);
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return (server.address() as { port: number }).port;
  }

  const greet = (socket: Socket, then: (socket: Socket) => void) => {
    socket.write('RFB 003.008\n');
    socket.once('data', () => then(socket));
  };
  const u32 = (value: number) => {
    const bytes = Buffer.alloc(4);
    bytes.writeUInt32BE(value);
    return bytes;
  };

  it('says when the peer is not a VNC server', async () => {
    const port = await scripted((socket) => socket.end('SSH-2.0-OpenSSH_9.2\r\n'));
    expect(await probeRfb('127.0.0.1', port, { timeoutMs })).toMatchObject({
      ok: false,
      failure: 'bad-answer',
      message: expect.stringContaining('is not a VNC server'),
    });
  });

  it("shows the server's refusal reason without its escape sequences", async () => {
    const reason = 'Too many security failures\x1b[2J\x1b]0;owned\x07';
    const port = await scripted((socket) => greet(socket, () => socket.end(Buffer.concat([Buffer.from([0]), u32(reason.length), Buffer.from(reason)]))));
    expect(await probeRfb('127.0.0.1', port, { timeoutMs })).toEqual({
      ok: false,
      failure: 'server-refused',
      message: `127.0.0.1:${port} refused the connection: Too many security failures`,
    });
  });

  it('refuses a desktop name longer than its limit and strips controls from a normal one', async () => {
    const serverInit = (name: Buffer, declared = name.length) => Buffer.concat([Buffer.from([4, 0, 3, 0]), Buffer.alloc(16), u32(declared), name]);
    const huge = await scripted((socket) =>
      greet(socket, () => {
        socket.write(Buffer.concat([Buffer.from([1, 1])]));
        socket.once('data', () =>
          socket.write(Buffer.concat([u32(0)]), () => socket.once('data', () => socket.write(serverInit(Buffer.alloc(0), 0x7fffffff)))),
        );
      }),
    );
    expect(await probeRfb('127.0.0.1', huge, { timeoutMs })).toMatchObject({
      ok: false,
      failure: 'bad-answer',
      message: expect.stringContaining('desktop name of 2147483647 bytes'),
    });

    const hostile = await scripted((socket) =>
      greet(socket, () => {
        socket.write(Buffer.from([1, 1]));
        socket.once('data', () => socket.write(u32(0), () => socket.once('data', () => socket.write(serverInit(Buffer.from('Desk\x1b[31mtop\x9b2J'))))));
      }),
    );
    expect(await probeRfb('127.0.0.1', hostile, { timeoutMs })).toMatchObject({ ok: true, desktop: { name: 'Desktop', width: 1024, height: 768 } });
  });

  it('reports a server that hangs up mid-handshake, and one that never speaks', async () => {
    const hangs = await scripted((socket) => greet(socket, () => socket.end(Buffer.from([1]))));
    expect(await probeRfb('127.0.0.1', hangs, { timeoutMs })).toMatchObject({ ok: false, failure: 'closed' });
    const silent = await scripted(() => {});
    expect(await probeRfb('127.0.0.1', silent, { timeoutMs: 300 })).toMatchObject({
      ok: false,
      failure: 'timeout',
      message: expect.stringContaining('within 300 ms'),
    });
  });
});
