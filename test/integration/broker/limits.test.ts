// The broker's limits against a real client on raw sockets: a chunked body over the limit gets
// 413 with the error body (not a reset), slow headers get 408 with the error body after the
// documented 10 s, and each address has its own caps on open connections (more are closed
// unanswered), requests and reports
// (other addresses, 127.0.0.N on loopback, are served meanwhile).
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeCatalogFile } from '../../support/broker.ts';
import { useChildren } from '../../support/children.ts';
import { startVddBroker } from '../../support/peers/vdd-broker.ts';
import { useTempDir } from '../../support/temp-dir.ts';

type Raw = { status: number; headers: string; body: string };

/** Sends raw bytes from localAddress and reads the whole answer (the broker closes after it). */
function exchange(port: number, send: (socket: Socket) => void, localAddress = '127.0.0.1'): Promise<Raw & { ms: number }> {
  return new Promise((resolve, reject) => {
    const began = performance.now();
    const socket = connect({ host: '127.0.0.1', port, localAddress });
    let text = '';
    socket.on('data', (chunk) => (text += chunk.toString('latin1')));
    socket.on('error', reject);
    socket.on('close', () => {
      const [head = '', body = ''] = text.split('\r\n\r\n');
      resolve({ status: Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1]), headers: head, body, ms: performance.now() - began });
    });
    socket.on('connect', () => send(socket));
  });
}

describe('vdd-broker limits', () => {
  const children = useChildren();
  const dir = useTempDir();
  const catalog = () => writeCatalogFile(join(dir, `limits-${Math.random()}.json`), []);

  it('answers a chunked body over the limit with 413 and the error body, and slow headers with 408 after 10 s', async () => {
    const broker = await startVddBroker(children, catalog(), { extraArgs: ['--probe-interval', '0'] });
    const big = await exchange(broker.port, (socket) => {
      socket.write('POST /v1/clients/52:54:00:12:34:56/report HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n');
      const chunk = 'x'.repeat(16 * 1024);
      for (let i = 0; i < 8; i++) socket.write(`${chunk.length.toString(16)}\r\n${chunk}\r\n`);
      socket.end('0\r\n\r\n');
    });
    expect(big.status).toBe(413);
    expect(JSON.parse(big.body)).toEqual({ error: { code: 'too-large', message: 'body larger than 65536 bytes' } });

    const slow = await exchange(broker.port, (socket) => socket.write('GET /v1/catalog HTTP/1.1\r\nhost: x\r\n'));
    expect(slow.status).toBe(408);
    expect(JSON.parse(slow.body)).toEqual({ error: { code: 'timeout', message: 'the request was not complete in time' } });
    expect(slow.ms).toBeGreaterThanOrEqual(10_000);
    expect(slow.ms).toBeLessThan(12_500);
  }, 20_000);

  it('caps open connections, requests and reports per address, and serves other addresses meanwhile', async () => {
    const broker = await startVddBroker(children, catalog(), {
      extraArgs: ['--probe-interval', '0', '--allow', '127.0.0.0/8', '--max-connections', '3', '--request-rate', '5', '--report-rate', '10'],
    });
    const get = (localAddress: string) =>
      exchange(broker.port, (socket) => socket.write('GET /v1/catalog HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n'), localAddress);
    // Three idle connections from one address: the fourth is closed at once, unanswered.
    const idle = await Promise.all(
      [1, 2, 3].map(
        () =>
          new Promise<Socket>((resolve) => {
            const socket = connect({ host: '127.0.0.1', port: broker.port, localAddress: '127.0.0.2' }, () => resolve(socket));
          }),
      ),
    );
    const fourth = await get('127.0.0.2').catch((error: NodeJS.ErrnoException) => ({ headers: error.code ?? '' }));
    expect(fourth.headers).toMatch(/^(ECONNRESET|EPIPE|)$/);
    expect((await get('127.0.0.3')).status).toBe(200);
    for (const socket of idle) socket.destroy();

    // Fourteen requests in a row from one address: a burst of ten passes, the rest wait.
    const burst = [];
    for (let n = 0; n < 14; n++) burst.push(await get('127.0.0.4'));
    const limited = burst.filter((answer) => answer.status === 429);
    expect(burst.filter((answer) => answer.status === 200).length).toBe(10);
    expect(limited[0]?.headers).toMatch(/retry-after: \d+/i);
    expect(JSON.parse(limited[0]?.body ?? '{}')).toMatchObject({ error: { code: 'too-many' } });
    expect((await get('127.0.0.5')).status).toBe(200);

    // Reports: ten from one address, then 429; another address still reports.
    const report = (localAddress: string, n: number) => {
      const mac = `52:54:00:00:00:${n.toString(16).padStart(2, '0')}`;
      const body = JSON.stringify({ client: { mac } });
      return exchange(
        broker.port,
        (socket) =>
          socket.write(
            `POST /v1/clients/${mac}/report HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: ${body.length}\r\nconnection: close\r\n\r\n${body}`,
          ),
        localAddress,
      );
    };
    const reports = [];
    for (let n = 0; n < 11; n++) reports.push((await report('127.0.0.6', n)).status);
    expect(reports.slice(0, 10)).toEqual(Array(10).fill(204));
    expect(reports[10]).toBe(429);
    expect((await report('127.0.0.7', 50)).status).toBe(204);
    // Each address's refusals are audited once a minute, not once per request.
    expect(broker.child.log.match(/audit rate-limited peer=127\.0\.0\.4 /g)).toHaveLength(1);
  }, 30_000);
});
