// XDMCP Query with its own deadline (an X server waits forever for a silent host): sends a Query
// over UDP to one display manager and reports its Willing / Unwilling / Decline answer and RTT.
import { createSocket, type Socket } from 'node:dgram';
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { performance } from 'node:perf_hooks';
import { failureFromError, hostPort, probeFailure, type ProbeFailure } from './probe-failure.ts';
import { decodeAnswer, encodeQuery, xdmcpPort, XdmcpPacketError, type XdmcpAnswer } from './xdmcp-packet.ts';

export type XdmcpProbe = {
  readonly ok: true;
  readonly protocol: 'xdmcp';
  readonly address: string;
  readonly port: number;
  readonly answer: XdmcpAnswer;
  /** From the first Query sent to the answer (UDP: a lost packet shows as a longer time). */
  readonly rttMs: number;
};

export type XdmcpQueryOptions = { readonly port?: number; readonly timeoutMs: number; readonly signal?: AbortSignal };

/** Resends the Query after these delays (ms) while no answer came: UDP may drop packets. */
const resendAfterMs = [250, 500, 1000, 2000];

export async function queryXdmcp(host: string, options: XdmcpQueryOptions): Promise<XdmcpProbe | ProbeFailure> {
  const port = options.port ?? xdmcpPort;
  const where = hostPort(host, port);
  const started = performance.now();
  let address = host;
  if (isIP(host) === 0) {
    try {
      address = (await withDeadline(lookup(host), options.timeoutMs)).address;
    } catch (error) {
      return error === deadline ? probeFailure('timeout', `resolving ${host} took longer than ${options.timeoutMs} ms`) : failureFromError(error, where);
    }
  }
  const remainingMs = Math.max(1, options.timeoutMs - (performance.now() - started));
  const socket = createSocket(isIP(address) === 6 ? 'udp6' : 'udp4');
  try {
    return await exchange(socket, address, port, where, { remainingMs, statedMs: options.timeoutMs }, options.signal);
  } finally {
    socket.close();
  }
}

const deadline = Symbol('deadline');

function withDeadline<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([promise, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(deadline), ms)))]).finally(() => clearTimeout(timer));
}

/** remainingMs is what is left after resolving the name; statedMs is the deadline the user set, which the message names. */
function exchange(
  socket: Socket,
  address: string,
  port: number,
  where: string,
  { remainingMs: timeoutMs, statedMs }: { remainingMs: number; statedMs: number },
  signal: AbortSignal | undefined,
): Promise<XdmcpProbe | ProbeFailure> {
  const query = encodeQuery('query');
  return new Promise((resolve) => {
    const timers: NodeJS.Timeout[] = [];
    let firstSent = 0;
    let badAnswer: string | undefined;
    const finish = (result: XdmcpProbe | ProbeFailure) => {
      timers.forEach(clearTimeout);
      signal?.removeEventListener('abort', onAbort);
      socket.removeAllListeners('message');
      resolve(result);
    };
    const onAbort = () => finish(probeFailure('timeout', `query of ${where} cancelled`));
    if (signal?.aborted) return onAbort();
    signal?.addEventListener('abort', onAbort, { once: true });
    // An ICMP port-unreachable arrives as ECONNREFUSED only on a connected socket.
    socket.on('error', (error) => finish(failureFromError(error, where)));
    socket.on('message', (packet) => {
      try {
        finish({ ok: true, protocol: 'xdmcp', address, port, answer: decodeAnswer(packet), rttMs: Math.round((performance.now() - firstSent) * 10) / 10 });
      } catch (error) {
        if (!(error instanceof XdmcpPacketError)) throw error;
        badAnswer = error.message;
      }
    });
    const send = () => socket.send(query, (error) => error && finish(failureFromError(error, where)));
    socket.connect(port, address, () => {
      firstSent = performance.now();
      send();
      let at = 0;
      for (const delay of resendAfterMs) {
        at += delay;
        if (at < timeoutMs) timers.push(setTimeout(send, at));
      }
    });
    timers.push(
      setTimeout(
        () =>
          finish(
            badAnswer === undefined
              ? probeFailure(
                  'timeout',
                  `no XDMCP answer from ${where} within ${Math.round(statedMs)} ms (no display manager there, or a firewall drops UDP ${port})`,
                )
              : probeFailure('bad-answer', `${where} answered with a packet that is not a valid XDMCP answer: ${badAnswer}`),
          ),
        timeoutMs,
      ),
    );
  });
}
