// RFB (VNC) handshake probe: protocol version, the security types offered and, when the server
// lets us in (None, or VncAuth with a password), the desktop name and size; RTT is the TCP
// connect time. Without a password it stops before authenticating, so a one-time password is
// never spent and the server's failed-login counter never moves.
import { connect, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { stripControls } from '../text/terminal-safe.ts';
import { vncAuthResponse } from '../vnc/vnc-des.ts';
import { failureFromError, hostPort, probeFailure, type ProbeFailure } from './probe-failure.ts';
import { PeerClosedError, SocketReader } from './socket-reader.ts';

export type RfbSecurityType = { readonly code: number; readonly name: string };

export type RfbProbe = {
  readonly ok: true;
  readonly protocol: 'vnc';
  readonly address: string;
  readonly port: number;
  /** What the server announced, e.g. "3.8". */
  readonly version: string;
  readonly securityTypes: readonly RfbSecurityType[];
  /** How far the probe went: "none" and "vnc-password" reached the desktop; "not-tried" stopped at the security types. */
  readonly authentication: 'none' | 'vnc-password' | 'not-tried';
  readonly desktop?: { readonly name: string; readonly width: number; readonly height: number };
  readonly rttMs: number;
};

export type RfbProbeOptions = { readonly timeoutMs: number; readonly password?: string; readonly signal?: AbortSignal };

const securityTypeNames: Record<number, string> = {
  1: 'None',
  2: 'VncAuth',
  5: 'RA2',
  6: 'RA2ne',
  16: 'Tight',
  17: 'Ultra',
  18: 'TLS',
  19: 'VeNCrypt',
  20: 'SASL',
  21: 'MD5',
  22: 'xvp',
  30: 'Apple',
  113: 'MSLogonII',
  129: 'UnixLogon',
};
const securityNone = 1;
const securityVncAuth = 2;
/** Longest reason or desktop name read from the wire; shown text is cut further. */
const maxStringBytes = 4096;
const maxShownLength = 256;

class HandshakeError extends Error {
  override readonly name = 'HandshakeError';
  readonly failure: ProbeFailure;
  constructor(failure: ProbeFailure) {
    super(failure.message);
    this.failure = failure;
  }
}

export function probeRfb(host: string, port: number, options: RfbProbeOptions): Promise<RfbProbe | ProbeFailure> {
  const where = hostPort(host, port);
  return new Promise((resolve) => {
    let started = performance.now();
    let rttMs = 0;
    const socket = connect({ host, port });
    const finish = (result: RfbProbe | ProbeFailure) => {
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      socket.destroy();
      resolve(result);
    };
    const onAbort = () => finish(probeFailure('timeout', `probe of ${where} cancelled`));
    const timer = setTimeout(() => finish(probeFailure('timeout', `no VNC handshake with ${where} within ${options.timeoutMs} ms`)), options.timeoutMs);
    if (options.signal?.aborted) return onAbort();
    options.signal?.addEventListener('abort', onAbort, { once: true });
    const reader = new SocketReader(socket, 64 * 1024);
    socket.once('lookup', () => (started = performance.now()));
    socket.once('connect', () => {
      rttMs = Math.round((performance.now() - started) * 10) / 10;
      handshake(socket, reader, where, options.password).then(
        (result) => finish({ ok: true, protocol: 'vnc', address: socket.remoteAddress ?? host, port, rttMs, ...result }),
        (error: unknown) => finish(handshakeFailure(error, where)),
      );
    });
    socket.once('error', (error) => {
      if (rttMs === 0) finish(failureFromError(error, where));
    });
  });
}

function handshakeFailure(error: unknown, where: string): ProbeFailure {
  if (error instanceof HandshakeError) return error.failure;
  if (error instanceof PeerClosedError) return probeFailure('closed', `${where} closed the connection during the VNC handshake`);
  return failureFromError(error, where);
}

type HandshakeResult = Pick<RfbProbe, 'version' | 'securityTypes' | 'authentication' | 'desktop'>;

async function handshake(socket: Socket, reader: SocketReader, where: string, password: string | undefined): Promise<HandshakeResult> {
  const greeting = (await reader.read(12)).toString('latin1');
  const match = /^RFB (\d{3})\.(\d{3})\n$/.exec(greeting);
  if (!match) throw new HandshakeError(probeFailure('bad-answer', `${where} is not a VNC server (it said ${JSON.stringify(stripControls(greeting))})`));
  const [major, minor] = [Number(match[1]), Number(match[2])];
  const version = `${major}.${minor}`;
  // RFC 6143: 3.7 and 3.8 as themselves, anything newer as 3.8, anything older or odd as 3.3.
  const minorUsed = major > 3 || (major === 3 && minor >= 8) ? 8 : major === 3 && minor === 7 ? 7 : 3;
  socket.write(`RFB 003.00${minorUsed}\n`);

  let offered: number[];
  if (minorUsed >= 7) {
    const count = await reader.uint8();
    if (count === 0) throw new HandshakeError(probeFailure('server-refused', `${where} refused the connection: ${await reasonText(reader)}`));
    offered = [...(await reader.read(count))];
  } else {
    const chosen = await reader.uint32();
    if (chosen === 0) throw new HandshakeError(probeFailure('server-refused', `${where} refused the connection: ${await reasonText(reader)}`));
    offered = [chosen];
  }
  const securityTypes = offered.map((code) => ({ code, name: securityTypeNames[code] ?? `type ${code}` }));
  const use = password !== undefined && offered.includes(securityVncAuth) ? securityVncAuth : offered.includes(securityNone) ? securityNone : undefined;
  if (use === undefined) return { version, securityTypes, authentication: 'not-tried' };

  if (minorUsed >= 7) socket.write(Buffer.from([use]));
  if (use === securityVncAuth) socket.write(vncAuthResponse(password ?? '', await reader.read(16)));
  if (use === securityVncAuth || minorUsed === 8) {
    const result = await reader.uint32();
    if (result !== 0) {
      const reason = minorUsed === 8 ? await reasonText(reader) : 'authentication failed';
      throw new HandshakeError(probeFailure('auth-failed', `${where} rejected the ${use === securityVncAuth ? 'password' : 'connection'}: ${reason}`));
    }
  }
  socket.write(Buffer.from([1])); // ClientInit: shared, so a probe never disconnects a viewer
  const init = await reader.read(24);
  const nameBytes = init.readUInt32BE(20);
  if (nameBytes > maxStringBytes)
    throw new HandshakeError(probeFailure('bad-answer', `${where} sent a desktop name of ${nameBytes} bytes (limit ${maxStringBytes})`));
  const name = shownText(await reader.read(nameBytes));
  return {
    version,
    securityTypes,
    authentication: use === securityVncAuth ? 'vnc-password' : 'none',
    desktop: { name, width: init.readUInt16BE(0), height: init.readUInt16BE(2) },
  };
}

async function reasonText(reader: SocketReader): Promise<string> {
  const length = await reader.uint32();
  if (length > maxStringBytes) return `(a reason of ${length} bytes, not shown)`;
  return shownText(await reader.read(length)) || '(no reason given)';
}

function shownText(bytes: Buffer): string {
  return stripControls(bytes.toString('utf8')).slice(0, maxShownLength);
}
