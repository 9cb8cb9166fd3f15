// Benchmarks of the admin's view on a real vdd-broker with a seeded lab of 5,000 PCs (3 sessions
// each in the last hour, in its report file) and 500 sessions on desktops now:
// - adminStatus5000: GET /v1/admin/status latency, as served (the status kept ready) and rebuilt
//   (a report arrives before every request), with the body size;
// - adminPageFirstPaint: /admin/ in headless Debian chromium, logged in: first paint, first
//   contentful paint and load, over fresh page loads;
// - reportIngest: client reports per second over HTTP (50 at a time, 5,000 PCs, the report file on
//   disk), and how long a restart takes to read the file back.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { Agent, get } from 'node:http';
import { join } from 'node:path';
import { AdminCredential, adminCookieName } from '../broker/admin/admin-credential.ts';
import type { ClientReport } from '../common/protocol/broker-protocol.ts';
import { seedLab, seedMac, seedReport, seedToken } from '../test/support/admin-seed.ts';
import { tcpPortOpen, waitFor } from '../test/support/children.ts';
import { chromiumMissing, launchChromium } from '../test/support/peers/chromium.ts';
import { freeTcpPort } from '../test/support/peers/free-port.ts';
import { brokerProgram, oneAddressForManyPcs } from '../test/support/peers/vdd-broker.ts';
import { median, percentile } from './stats.ts';

type LabBroker = { readonly url: string; readonly child: ChildProcess; readonly log: () => string };

async function startLabBroker(work: string, pcs: number): Promise<LabBroker> {
  const dir = join(work, `admin-lab-${pcs}`);
  mkdirSync(dir, { recursive: true });
  const lab = seedLab(dir, pcs);
  const port = await freeTcpPort();
  const child = spawn(
    process.execPath,
    [
      brokerProgram,
      '--catalog',
      lab.catalogFile,
      '--listen',
      `127.0.0.1:${port}`,
      '--probe-interval',
      '0',
      '--reports',
      lab.reportsFile,
      '--admin-token-file',
      lab.tokenFile,
      ...oneAddressForManyPcs,
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let log = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    log = (log + chunk.toString()).slice(-8192);
  });
  await waitFor('vdd-broker', () => tcpPortOpen('127.0.0.1', port), { timeoutMs: 30_000 });
  return { url: `http://127.0.0.1:${port}/`, child, log: () => log };
}

/** 500 PCs on a desktop now: each asked the broker for a session. */
async function startSessions(url: string, count: number): Promise<void> {
  for (let batch = 0; batch < count; batch += 50)
    await Promise.all(
      Array.from({ length: Math.min(50, count - batch) }, (_, offset) =>
        fetch(`${url}v1/guests/desktop-${((batch + offset) % 5) + 1}/session`, {
          method: 'POST',
          body: JSON.stringify({ client: { mac: seedMac(batch + offset), hostname: `lab-pc${String(batch + offset).padStart(4, '0')}` } }),
        }).then((answer) => answer.arrayBuffer()),
      ),
    );
}

const round = (value: number) => Math.round(value * 10) / 10;

function figures(times: readonly number[]) {
  return { p50Ms: round(median(times)), p95Ms: round(percentile(times, 95)), maxMs: round(Math.max(...times)) };
}

const agent = new Agent({ keepAlive: true, maxSockets: 1 });

/** One status request with node:http, as curl would make it: fetch's body handling alone costs more than the broker for 2.8 MB. */
function timedStatus(url: string): Promise<{ ms: number; bytes: number }> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const outgoing = get(`${url}v1/admin/status`, { agent, headers: { authorization: `Bearer ${seedToken}` } }, (answer) => {
      let bytes = 0;
      answer.on('data', (chunk: Buffer) => {
        bytes += chunk.length;
      });
      answer.on('end', () =>
        answer.statusCode === 200 ? resolve({ ms: performance.now() - started, bytes }) : reject(new Error(`status answered ${answer.statusCode}`)),
      );
      answer.on('error', reject);
    });
    outgoing.on('error', reject);
  });
}

export async function benchAdminStatus(work: string, pcs = 5000, sessions = 500) {
  const broker = await startLabBroker(work, pcs);
  try {
    await startSessions(broker.url, sessions);
    const served: number[] = [];
    let bytes = 0;
    for (let i = 0; i < 200; i++) {
      const result = await timedStatus(broker.url);
      served.push(result.ms);
      bytes = result.bytes;
    }
    // A report before each request: the status is built again every time.
    const rebuilt: number[] = [];
    const now = Date.now();
    for (let i = 0; i < 50; i++) {
      const report = seedReport(pcs + i, now, { versions: ['2026.11.2'], guests: [], sessions: 0 });
      await fetch(`${broker.url}v1/clients/${report.client.mac}/report`, { method: 'POST', body: JSON.stringify(report) });
      rebuilt.push((await timedStatus(broker.url)).ms);
    }
    return { pcs, sessions, bodyBytes: bytes, served: figures(served), rebuiltAfterReport: figures(rebuilt), requests: served.length + rebuilt.length };
  } finally {
    broker.child.kill();
  }
}

export async function benchAdminPage(work: string, pcs = 5000, sessions = 500) {
  const missing = chromiumMissing();
  if (missing) return { skipped: missing };
  const broker = await startLabBroker(work, pcs);
  const profiles = join(work, `admin-page-${pcs}`);
  mkdirSync(profiles, { recursive: true });
  const context = await launchChromium(profiles);
  try {
    await startSessions(broker.url, sessions);
    const cookie = new AdminCredential(seedToken).cookieValue;
    await context.addCookies([{ name: adminCookieName, value: cookie, url: broker.url }]);
    const page = await context.newPage();
    const paint: number[] = [];
    const contentful: number[] = [];
    const load: number[] = [];
    let htmlBytes = 0;
    for (let i = 0; i < 6; i++) {
      const answer = await page.goto(`${broker.url}admin/`, { waitUntil: 'load' });
      if (answer?.status() !== 200) throw new Error(`/admin/ answered ${answer?.status()}`);
      htmlBytes = (await answer.body()).byteLength;
      // Measured in the page, as text: the benchmark's TypeScript has no DOM types.
      const timing = (await page.evaluate(
        "({ paints: performance.getEntriesByType('paint').map((entry) => [entry.name, entry.startTime]), load: performance.getEntriesByType('navigation')[0].loadEventEnd })",
      )) as { paints: [string, number][]; load: number };
      const entries = new Map(timing.paints);
      // The first load warms chromium's caches: it is not counted.
      if (i === 0) continue;
      paint.push(entries.get('first-paint') ?? Number.NaN);
      contentful.push(entries.get('first-contentful-paint') ?? Number.NaN);
      load.push(timing.load);
    }
    const rows = await page.locator('#pc-table tbody tr').count();
    return {
      pcs,
      sessions,
      rowsShown: rows,
      htmlBytes,
      viewport: '1024x768',
      firstPaintMs: round(median(paint)),
      firstContentfulPaintMs: round(median(contentful)),
      loadMs: round(median(load)),
      loads: paint.length,
    };
  } finally {
    await context.close();
    broker.child.kill();
  }
}

export async function benchReportIngest(work: string, reports = 5000, concurrency = 50) {
  const dir = join(work, 'ingest');
  mkdirSync(dir, { recursive: true });
  const broker = await startLabBroker(dir, 0);
  try {
    const now = Date.now();
    const bodies = Array.from({ length: reports }, (_, index) =>
      JSON.stringify(seedReport(index, now, { versions: ['2026.11.2', '2026.11.1'], guests: [], sessions: 0 }) satisfies ClientReport),
    );
    const bytes = bodies.reduce((sum, body) => sum + body.length, 0);
    let next = 0;
    const started = performance.now();
    const worker = async () => {
      for (let index = next++; index < reports; index = next++) {
        const mac = seedMac(index);
        const answer = await fetch(`${broker.url}v1/clients/${mac}/report`, { method: 'POST', body: bodies[index] ?? '' });
        await answer.arrayBuffer();
        if (answer.status !== 204) throw new Error(`report ${index} answered ${answer.status}`);
      }
    };
    await Promise.all(Array.from({ length: concurrency }, worker));
    const seconds = (performance.now() - started) / 1000;
    broker.child.kill('SIGTERM');
    await new Promise((resolve) => broker.child.once('exit', resolve));
    // Read back at the next start.
    const again = await startLabBrokerOnFile(dir, broker);
    const replay = /reports: (\d+) PCs from (\d+) lines of .* in (\d+) ms/.exec(again.log());
    again.child.kill();
    return {
      reports,
      concurrency,
      reportsPerSecond: Math.round(reports / seconds),
      averageBodyBytes: Math.round(bytes / reports),
      restartReplay: replay ? { pcs: Number(replay[1]), lines: Number(replay[2]), ms: Number(replay[3]) } : { error: again.log().slice(-300) },
    };
  } finally {
    broker.child.kill();
  }
}

/** The same lab's broker started again, on its report file. */
async function startLabBrokerOnFile(dir: string, previous: LabBroker): Promise<LabBroker> {
  const args = previous.child.spawnargs.slice(1);
  const port = await freeTcpPort();
  const listen = args.indexOf('--listen');
  args[listen + 1] = `127.0.0.1:${port}`;
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'], cwd: dir });
  let log = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    log += chunk.toString();
  });
  await waitFor('vdd-broker', () => tcpPortOpen('127.0.0.1', port), { timeoutMs: 30_000 });
  await waitFor('the replay line', () => log.includes('reports: '), { timeoutMs: 30_000 });
  return { url: `http://127.0.0.1:${port}/`, child, log: () => log };
}
