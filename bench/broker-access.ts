// Benchmarks of who may use what on a real vdd-broker (loopback; each PC its own address
// 127.N.N.N, as on a lab network each PC has one):
// - sessionWithLease: one PC's session request through the client gate with a lease and a
//   one-time ticket on an Xvnc-style password file, then the lease's end: latency p50/p95;
// - roomRush: 500 PCs choosing among 50 guests at the same moment: every PC gets a ticket or a
//   clear 409 in-use, every granted ticket is the one its desktop's password file holds (what
//   Xvnc checks), no desktop goes to two PCs; wall time;
// - slowConnectionAttack: one address keeps opening connections that send half a request and
//   stall (the broker closes all but --max-connections of them at once), while a normal PC from
//   another address asks for the catalog ten times a second:
//   the normal PC's latency p50/p95 and how many of its requests failed.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { join } from 'node:path';
import { writeCatalogFile } from '../test/support/broker.ts';
import { tcpPortOpen, waitFor } from '../test/support/children.ts';
import { ticketedGuest } from '../test/support/session-fixtures.ts';
import { freeTcpPort } from '../test/support/peers/free-port.ts';
import { brokerProgram } from '../test/support/peers/vdd-broker.ts';
import { unscrambleVncPasswordFile } from '../test/support/vnc-password-file.ts';
import { percentile } from './stats.ts';

const round = (value: number) => Math.round(value * 100) / 100;

type Reply = { status: number; body: string; ms: number };

function post(port: number, path: string, body: unknown, localAddress: string): Promise<Reply> {
  const text = JSON.stringify(body);
  const began = performance.now();
  return new Promise((resolve, reject) => {
    const outgoing = httpRequest(
      {
        host: '127.0.0.1',
        port,
        path,
        method: path.endsWith('/catalog') ? 'GET' : 'POST',
        localAddress,
        agent: false,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), 'vdd-protocol': '1.2' },
      },
      (answer) => {
        let received = '';
        answer.setEncoding('utf8');
        answer.on('data', (chunk: string) => (received += chunk));
        answer.on('end', () => resolve({ status: answer.statusCode ?? 0, body: received, ms: performance.now() - began }));
      },
    );
    outgoing.setTimeout(10_000, () => outgoing.destroy(new Error('no answer within 10 s')));
    outgoing.on('error', reject);
    outgoing.end(path.endsWith('/catalog') ? undefined : text);
  });
}

/** The address of PC number n: 127.x.y.z, never 127.0.0.1. */
function pcAddress(n: number): string {
  return `127.${1 + (n >> 16)}.${(n >> 8) & 255}.${Math.min((n & 255) + 1, 254)}`;
}

function mac(n: number): string {
  return `52:54:00:${((n >> 16) & 255).toString(16).padStart(2, '0')}:${((n >> 8) & 255).toString(16).padStart(2, '0')}:${(n & 255).toString(16).padStart(2, '0')}`;
}

async function startBroker(work: string, name: string, guests: number): Promise<{ port: number; child: ChildProcess; files: string[] }> {
  const dir = join(work, name);
  mkdirSync(dir, { recursive: true });
  const files = Array.from({ length: guests }, (_, n) => join(dir, `desk-${n}.passwd`));
  const catalog = writeCatalogFile(
    join(dir, 'catalog.json'),
    files.map((file, n) => ({ ...ticketedGuest(`desk-${n}`), host: '127.0.0.1', passwordFile: file })),
  );
  const port = await freeTcpPort();
  const child = spawn(
    process.execPath,
    [brokerProgram, '--catalog', catalog, '--listen', `127.0.0.1:${port}`, '--probe-interval', '0', '--allow', '127.0.0.0/8'],
    {
      stdio: 'ignore',
    },
  );
  await waitFor('vdd-broker', () => tcpPortOpen('127.0.0.1', port), { timeoutMs: 15_000 });
  return { port, child, files };
}

export async function benchSessionWithLease(work: string, runs = 300) {
  const { port, child } = await startBroker(work, 'session-lease', 20);
  try {
    const times: number[] = [];
    for (let n = 0; n < runs + 20; n++) {
      const address = pcAddress(n);
      const answer = await post(port, `/v1/guests/desk-${n % 20}/session`, { client: { mac: mac(n), hostname: `pc-${n}` } }, address);
      if (answer.status !== 200) throw new Error(`session request: HTTP ${answer.status} ${answer.body}`);
      if (n >= 20) times.push(answer.ms);
      const { lease } = JSON.parse(answer.body) as { lease: { id: string; token: string } };
      const ended = await post(port, `/v1/leases/${lease.id}/end`, { token: lease.token }, address);
      if (ended.status !== 204) throw new Error(`lease end: HTTP ${ended.status}`);
    }
    return { runs, p50Ms: round(percentile(times, 50)), p95Ms: round(percentile(times, 95)), targetP95Ms: 20 };
  } finally {
    child.kill();
  }
}

export async function benchRoomRush(work: string, pcs = 500, guests = 50) {
  const { port, child, files } = await startBroker(work, 'room-rush', guests);
  try {
    const began = performance.now();
    const replies = await Promise.all(
      Array.from({ length: pcs }, (_, n) =>
        post(port, `/v1/guests/desk-${n % guests}/session`, { client: { mac: mac(n), hostname: `pc-${n}` } }, pcAddress(n)),
      ),
    );
    const wallMs = performance.now() - began;
    const granted = replies.filter((reply) => reply.status === 200).map((reply) => JSON.parse(reply.body) as { password: string; lease: { guest: string } });
    const inUse = replies.filter((reply) => reply.status === 409 && (JSON.parse(reply.body) as { error: { code: string } }).error.code === 'in-use').length;
    const desktops = new Set(granted.map((answer) => answer.lease.guest));
    // What Xvnc would check each password against: the desktop's password file, right now.
    const working = granted.filter((answer) => unscrambleVncPasswordFile(files[Number(answer.lease.guest.slice(5))] ?? '') === answer.password).length;
    return {
      pcs,
      guests,
      wallMs: Math.round(wallMs),
      tickets: granted.length,
      inUse,
      other: pcs - granted.length - inUse,
      desktopsGivenTwice: granted.length - desktops.size,
      ticketsThatFail: granted.length - working,
    };
  } finally {
    child.kill();
  }
}

/** A separate process, so the attack does not share the measuring client's event loop. */
const attackerProgram = `
const net = require('node:net');
const [port, seconds] = process.argv.slice(1).map(Number);
let open = 0, opened = 0, answered = 0;
const end = Date.now() + seconds * 1000;
function one() {
  if (Date.now() > end) return;
  open++; opened++;
  const socket = net.connect({ host: '127.0.0.1', port, localAddress: '127.0.0.66' });
  socket.on('connect', () => socket.write('POST /v1/guests/desk-0/session HTTP/1.1\\r\\nhost: x\\r\\n'));
  socket.on('data', () => answered++);
  socket.on('error', () => {});
  socket.on('close', () => { open--; setImmediate(one); });
}
for (let i = 0; i < 2000; i++) one();
setTimeout(() => { process.stdout.write(JSON.stringify({ opened, answered })); process.exit(0); }, seconds * 1000 + 200);
`;

export async function benchSlowConnectionAttack(work: string, seconds = 15) {
  const { port, child } = await startBroker(work, 'slow-attack', 1);
  try {
    const baseline: number[] = [];
    for (let n = 0; n < 20; n++) baseline.push((await post(port, '/v1/catalog', {}, '127.0.0.9')).ms);
    const attacker = spawn(process.execPath, ['-e', attackerProgram, String(port), String(seconds)], { stdio: ['ignore', 'pipe', 'ignore'] });
    let report = '';
    attacker.stdout?.on('data', (chunk: Buffer) => (report += chunk.toString()));
    const attackEnded = new Promise((resolve) => attacker.on('exit', resolve));
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const times: number[] = [];
    let failed = 0;
    const until = performance.now() + (seconds - 2) * 1000;
    while (performance.now() < until) {
      const started = performance.now();
      try {
        const answer = await post(port, '/v1/catalog', {}, '127.0.0.9');
        if (answer.status === 200) times.push(answer.ms);
        else failed++;
      } catch {
        failed++;
      }
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, 100 - (performance.now() - started))));
    }
    await attackEnded;
    const attack: { opened?: number; answered?: number } = report === '' ? {} : JSON.parse(report);
    return {
      attackSeconds: seconds,
      attackConnections: attack.opened,
      attackAnswered: attack.answered,
      normalRequests: times.length + failed,
      normalFailed: failed,
      baselineP95Ms: round(percentile(baseline, 95)),
      p50Ms: times.length ? round(percentile(times, 50)) : undefined,
      p95Ms: times.length ? round(percentile(times, 95)) : undefined,
      targetP95Ms: 100,
    };
  } finally {
    child.kill();
  }
}
