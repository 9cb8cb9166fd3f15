// The broker's report store and the status built from it: latest facts per PC, sessions moved to
// the broker's clock (sentAt) or placed at the arrival when they would start in the future,
// duplicates dropped, the oldest PCs evicted past the bound, the hour's QoE per guest and PC,
// versions published or not; the report file's rotation keeps every PC; the page escapes text.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ClientReport, Guest } from '../../../common/protocol/broker-protocol.ts';
import { AdminCredential, sameSecret } from '../../../broker/admin/admin-credential.ts';
import { escapeHtml, renderSection } from '../../../broker/admin/admin-page.ts';
import { buildStatus } from '../../../broker/admin/admin-status.ts';
import { ReportFile } from '../../../broker/reports/report-file.ts';
import { ReportStore } from '../../../broker/reports/report-store.ts';
import { seedGuests } from '../../support/admin-seed.ts';
import { useTempDir } from '../../support/temp-dir.ts';

const now = Date.parse('2026-11-22T10:00:00Z');
const mac = '52:54:00:12:34:56';

function report(extra: Partial<ClientReport> = {}): ClientReport {
  return { client: { mac, hostname: 'lab-pc07' }, ...extra };
}

function frame(startedAt: string, firstFrameMs: number, extra: object = {}) {
  return { guestId: 'desktop-1', protocol: 'vnc' as const, startedAt, seconds: 60, outcome: 'ended' as const, firstFrameMs, rttMs: 2, ...extra };
}

const status = (store: ReportStore, versions: string[] | undefined = undefined) =>
  buildStatus({
    broker: { id: 'lab', name: 'Lab' },
    guests: seedGuests().map((guest) => ({ guest, state: guest.state })),
    sessions: [],
    store,
    published:
      versions === undefined
        ? undefined
        : {
            root: '/srv/vdd',
            problem: undefined,
            versions: versions.map((version, index) => ({
              version,
              current: index === 0,
              previous: false,
              bytes: 1,
              created: null,
              published: '',
              signed: true,
            })),
          },
    reports: { accepted: 0, refused: 0, lastRefusal: undefined },
    now,
  });

describe('report store', () => {
  it('keeps the latest facts and merges partial reports', () => {
    const store = new ReportStore();
    store.ingest(report({ image: { version: '1' }, fitness: 'fit', hardware: { cpu: 'P4', ramMiB: 512 } }), '10.0.0.7', now - 1000);
    store.ingest(report({ update: { state: 'downloading', version: '2', percent: 30 } }), '10.0.0.8', now);
    const pc = store.pcs.get(mac);
    expect(pc).toMatchObject({
      hostname: 'lab-pc07',
      address: '10.0.0.8',
      image: { version: '1' },
      fitness: 'fit',
      update: { state: 'downloading', percent: 30 },
    });
    expect(status(store).pcs[0]).toMatchObject({ cpu: 'P4', ramMiB: 512, lastSeen: new Date(now).toISOString() });
  });

  it('takes the fitness verdict from a `report --upload` hardware entry', () => {
    const store = new ReportStore();
    store.ingest(report({ hardware: { verdict: 'unfit' } }), '10.0.0.7', now);
    expect(status(store).pcs[0]?.problems).toContain('unfit for a thin client (vdd-launcher report)');
  });

  it('moves sessions by the clock difference sentAt says, and files future ones as ending now', () => {
    const store = new ReportStore();
    // The PC's clock is three hours ahead, and it says so.
    store.ingest(report({ sentAt: '2026-11-22T13:00:00Z', sessions: [frame('2026-11-22T12:50:00Z', 500)] }), '10.0.0.7', now);
    expect(store.pcs.get(mac)?.sessions[0]?.startedAt).toBe(Date.parse('2026-11-22T09:50:00Z'));
    expect(status(store).pcs[0]?.problems).toContain('its clock is 3 h ahead');
    // Another PC lies about the future without sentAt.
    const other = new ReportStore();
    const outcome = other.ingest(report({ sessions: [frame('2030-01-01T00:00:00Z', 500)] }), '10.0.0.7', now);
    expect(outcome.sessionsMoved).toBe(1);
    expect(other.pcs.get(mac)?.sessions[0]?.startedAt).toBe(now - 60_000);
    // A sentAt far ahead of the sessions (a lie, or a clock set between them): they fall out of
    // the hour, and the outcome counts them, so the broker says so instead of dropping them quietly.
    const lying = new ReportStore().ingest(report({ sentAt: '2099-01-01T00:00:00Z', sessions: [frame('2026-11-22T09:58:00Z', 500)] }), '10.0.0.7', now);
    expect(lying).toMatchObject({ kept: [], sessionsTooOld: 1 });
  });

  it('drops a session sent twice and sessions older than the hour', () => {
    const store = new ReportStore();
    const body = report({ sessions: [frame('2026-11-22T09:58:00Z', 500), frame('2026-11-22T07:00:00Z', 900)] });
    expect(store.ingest(body, '10.0.0.7', now).sessionsTooOld).toBe(1);
    store.ingest(body, '10.0.0.7', now + 2000);
    expect(store.pcs.get(mac)?.sessions).toHaveLength(1);
    // A long session that began before the hour but ended in it is not news from another time.
    expect(new ReportStore().ingest(report({ sessions: [frame('2026-11-22T08:00:00Z', 500, { seconds: 7000 })] }), '10.0.0.7', now).sessionsTooOld).toBe(0);
  });

  it('evicts the PC heard from longest ago past maxPcs', () => {
    const store = new ReportStore({ maxPcs: 3 });
    for (const n of [1, 2, 3]) store.ingest({ client: { mac: `52:54:00:00:00:0${n}` } }, 'a', now + n);
    store.ingest({ client: { mac: '52:54:00:00:00:01' } }, 'a', now + 10);
    store.ingest({ client: { mac: '52:54:00:00:00:04' } }, 'a', now + 11);
    expect([...store.pcs.keys()].sort()).toEqual(['52:54:00:00:00:01', '52:54:00:00:00:03', '52:54:00:00:00:04']);
  });

  it('computes the hour QoE per guest and PC: median and worst first frame, median round trip', () => {
    const store = new ReportStore();
    store.ingest(
      report({
        sessions: [
          frame('2026-11-22T09:10:00Z', 400),
          frame('2026-11-22T09:20:00Z', 600),
          frame('2026-11-22T09:30:00Z', 3000, { outcome: 'dropped', rttMs: 8 }),
        ],
      }),
      '10.0.0.7',
      now,
    );
    const built = status(store);
    expect(built.guests.find((guest) => guest.id === 'desktop-1')?.qoe).toEqual({
      sessions: 3,
      failed: 1,
      firstFrameMedianMs: 600,
      firstFrameWorstMs: 3000,
      rttMedianMs: 2,
    });
    expect(built.pcs[0]?.recentFirstFramesMs).toEqual([400, 600, 3000]);
    expect(built.totals.firstFrameMedianMs).toBe(600);
  });

  it('gives each guest its seats and pool, and each pool how many of its desktops are taken', () => {
    const [a, b, c] = seedGuests(3) as [Guest, Guest, Guest];
    const session = (guestId: string, n: number) => ({ id: `L${n}xxxxx`, guestId, mac, hostname: undefined, address: '10.0.0.7', since: now - n });
    const built = buildStatus({
      broker: { id: 'lab', name: 'Lab' },
      guests: [
        { guest: a, state: 'running', pool: 'lab' },
        { guest: b, state: 'running', seats: 1, pool: 'lab' },
        { guest: c, state: 'running', seats: 1 },
      ],
      sessions: [session(a.id, 1), session(a.id, 2), session(c.id, 3)],
      store: new ReportStore(),
      published: undefined,
      reports: { accepted: 0, refused: 0, lastRefusal: undefined },
      now,
    });
    expect(built.guests.map(({ id, inUse, seats, pool }) => ({ id, inUse, seats, pool }))).toEqual([
      { id: a.id, inUse: 2, seats: null, pool: 'lab' },
      { id: b.id, inUse: 0, seats: 1, pool: 'lab' },
      { id: c.id, inUse: 1, seats: 1, pool: null },
    ]);
    expect(built.pools).toEqual([{ id: 'lab', desktops: 2, inUse: 1 }]);
  });

  it('counts PCs per published version and names the unpublished ones', () => {
    const store = new ReportStore();
    store.ingest({ client: { mac: '52:54:00:00:00:01' }, image: { version: '2' } }, 'a', now);
    store.ingest({ client: { mac: '52:54:00:00:00:02' }, image: { version: '2' } }, 'a', now);
    store.ingest({ client: { mac: '52:54:00:00:00:03' }, image: { version: 'never-built' } }, 'a', now);
    const built = status(store, ['2', '1']);
    expect(built.versions.published.map((entry) => [entry.version, entry.pcs])).toEqual([
      ['2', 2],
      ['1', 0],
    ]);
    expect(built.versions.unpublished).toEqual([{ version: 'never-built', pcs: 1 }]);
    expect(built.pcs.find((pc) => pc.mac === '52:54:00:00:00:03')?.problems).toContain('runs never-built, which is not published');
    // Without a published root there is nothing to compare with.
    expect(status(store).pcs[2]?.image?.published).toBeNull();
  });
});

describe('report file', () => {
  const dir = useTempDir();

  it('rotates into FILE.1 and starts the new file with every known PC, so a replay loses none', () => {
    const path = join(dir, 'reports.jsonl');
    const store = new ReportStore();
    const file = new ReportFile(path, () => store.snapshot(Date.now()), 4096);
    const at = Date.now();
    for (let n = 0; n < 40; n++) {
      const body: ClientReport = {
        client: { mac: `52:54:00:00:00:${n.toString(16).padStart(2, '0')}`, hostname: `pc${n}` },
        image: { version: `v${n % 3}` },
        sessions: [frame(new Date(at - 60_000).toISOString(), 100 + n)],
      };
      store.ingest(body, '10.0.0.1', at + n);
      file.append({ receivedAt: at + n, from: '10.0.0.1', report: body });
    }
    const rebuilt = new ReportStore();
    const summary = file.replay((line) => rebuilt.ingest(line.report, line.from, line.receivedAt));
    expect(summary.bad).toBe(0);
    expect(rebuilt.pcs.size).toBe(40);
    expect([...rebuilt.pcs.values()].every((pc) => pc.sessions.length === 1)).toBe(true);
    expect(rebuilt.pcs.get('52:54:00:00:00:05')).toMatchObject({ hostname: 'pc5', image: { version: 'v2' } });
  });

  it('skips bad lines, counts them and names the first', () => {
    const path = join(dir, 'bad.jsonl');
    writeFileSync(
      path,
      [
        '{"receivedAt":"2026-11-22T10:00:00Z","from":"a","report":{"client":{"mac":"52:54:00:00:00:01"}}}',
        'not json',
        '{"receivedAt":"2026-11-22T10:00:00Z","from":"a","report":{"client":{"mac":"BAD"}}}',
        '',
      ].join('\n'),
    );
    const store = new ReportStore();
    const summary = new ReportFile(path, () => []).replay((line) => store.ingest(line.report, line.from, line.receivedAt));
    expect(summary).toMatchObject({ lines: 3, bad: 2 });
    expect(summary.firstProblem).toMatch(/bad\.jsonl line 2: not JSON/);
    expect(store.pcs.size).toBe(1);
  });
});

describe('admin credential and page', () => {
  it('compares secrets of any length without throwing', () => {
    expect(sameSecret('a', 'a')).toBe(true);
    expect(sameSecret('a', 'ab')).toBe(false);
    const credential = new AdminCredential('0123456789abcdef');
    expect(credential.matches('0123456789abcdef')).toBe(true);
    expect(credential.cookieValue).not.toContain('0123456789abcdef');
  });

  it('escapes what reports and the catalog say', () => {
    expect(escapeHtml(`<script>alert("x")</script>&'`)).toBe('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;&#39;');
    const store = new ReportStore();
    store.ingest(report({ update: { state: 'failed', version: '2', reason: '<img src=x onerror=alert(1)>' } }), '10.0.0.7', now);
    const html = renderSection('pcs', status(store));
    expect(html).not.toContain('<img');
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;');
  });
});
