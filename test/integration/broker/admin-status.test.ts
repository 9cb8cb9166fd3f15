// GET /v1/admin/status of a real vdd-broker fed by the launcher's own report client: the admin
// token (401 without or wrong, logged with the address, never the token), reports that lie
// (values out of range refused and counted, future times moved, unpublished versions named),
// one report a second per PC, 5,000 PCs reporting, and a restart that brings everything back from
// the report file.
import { mkdirSync, readFileSync, rmdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { AdminStatus } from '../../../broker/admin/admin-status.ts';
import type { ClientReport } from '../../../common/protocol/broker-protocol.ts';
import { sendReport } from '../../../launcher/broker-client/client-report.ts';
import { seedGuests, seedMac, seedToken } from '../../support/admin-seed.ts';
import { useChildren } from '../../support/children.ts';
import { oneAddressForManyPcs, startVddBroker, type RunningBroker } from '../../support/peers/vdd-broker.ts';
import { useTempDir } from '../../support/temp-dir.ts';

describe('vdd-broker admin status', () => {
  const children = useChildren();
  const dir = useTempDir();
  const catalogFile = join(dir, 'catalog.json');
  writeFileSync(catalogFile, JSON.stringify({ version: 1, broker: { id: 'lab3', name: 'Lab 3' }, ttl: 30, guests: seedGuests() }));
  const tokenFile = join(dir, 'token');
  writeFileSync(tokenFile, `${seedToken}\n`, { mode: 0o600 });
  const reportsFile = join(dir, 'reports.jsonl');
  const root = join(dir, 'published');
  for (const version of ['2026.11.1', '2026.11.2']) mkdirSync(join(root, 'versions', version), { recursive: true });
  symlinkSync('versions/2026.11.2', join(root, 'current'));
  const start = () =>
    startVddBroker(children, catalogFile, {
      // 5,000 PCs report from one loopback address here: lift the per-address limits a lab's PCs never share.
      extraArgs: [...['--probe-interval', '0', '--reports', reportsFile, '--admin-token-file', tokenFile, '--published-root', root], ...oneAddressForManyPcs],
    });
  const request = { timeoutMs: 5000, caFile: join(dir, 'no-ca.pem') };
  const status = async (broker: RunningBroker): Promise<AdminStatus> => {
    const answer = await fetch(`${broker.url}v1/admin/status`, { headers: { authorization: `Bearer ${seedToken}` } });
    expect(answer.status).toBe(200);
    return (await answer.json()) as AdminStatus;
  };
  const post = (broker: RunningBroker, mac: string, body: unknown) =>
    fetch(`${broker.url}v1/clients/${mac}/report`, { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
  let broker: RunningBroker;

  it('answers 401 without the token or with a wrong one, and logs the address but never the token', async () => {
    broker = await start();
    const none = await fetch(`${broker.url}v1/admin/status`);
    expect(none.status).toBe(401);
    expect(await none.json()).toEqual({ error: { code: 'unauthorized', message: 'the admin token is required' } });
    const wrong = await fetch(`${broker.url}v1/admin/status`, { headers: { authorization: 'Bearer guessed-token-0000000000' } });
    expect(wrong.status).toBe(401);
    const cookie = await fetch(`${broker.url}admin/`, { headers: { cookie: 'vdd_admin=forged' } });
    expect(cookie.status).toBe(401);
    expect(broker.child.log).toMatch(/admin: refused GET \/v1\/admin\/status from 127\.0\.0\.1: no credential/);
    expect(broker.child.log).not.toContain('guessed-token');
    expect(broker.child.log).not.toContain(seedToken);
  });

  it('shows what the launcher client reports: image, update state, fitness, session QoE', async () => {
    const now = Date.now();
    await sendReport(
      broker.url,
      {
        client: { mac: seedMac(1), hostname: 'lab-pc0001', ips: ['10.0.0.11'] },
        sentAt: new Date(now).toISOString(),
        image: { name: 'vdd-thin', version: '2026.11.2' },
        update: { state: 'rolled-back', version: '2026.12.1', reason: 'slot b did not reach the menu on its trial start' },
        fitness: 'fit-with-limits',
        hardware: { cpu: 'Pentium 4', ramMiB: 512 },
        sessions: [
          {
            guestId: 'desktop-1',
            protocol: 'vnc',
            startedAt: new Date(now - 600_000).toISOString(),
            seconds: 300,
            outcome: 'ended',
            firstFrameMs: 700,
            rttMs: 1.5,
          },
          {
            guestId: 'desktop-1',
            protocol: 'vnc',
            startedAt: new Date(now - 200_000).toISOString(),
            seconds: 30,
            outcome: 'dropped',
            firstFrameMs: 1900,
            rttMs: 3.5,
          },
        ],
      },
      request,
    );
    const shown = await status(broker);
    const pc = shown.pcs.find((entry) => entry.mac === seedMac(1));
    expect(pc).toMatchObject({
      hostname: 'lab-pc0001',
      image: { version: '2026.11.2', published: true },
      update: { state: 'rolled-back', version: '2026.12.1' },
      fitness: 'fit-with-limits',
      cpu: 'Pentium 4',
      ramMiB: 512,
      qoe: { sessions: 2, failed: 1, firstFrameMedianMs: 1300, firstFrameWorstMs: 1900, rttMedianMs: 2.5 },
    });
    expect(pc?.problems[0]).toBe('rolled back from 2026.12.1: slot b did not reach the menu on its trial start');
    expect(shown.versions.published.find((entry) => entry.version === '2026.11.2')?.pcs).toBe(1);
    expect(shown.guests.find((guest) => guest.id === 'desktop-1')?.qoe.firstFrameWorstMs).toBe(1900);
  });

  it('refuses reports that lie about QoE, counts them, and files future times and unpublished versions as such', async () => {
    const outOfRange = await post(broker, seedMac(2), {
      client: { mac: seedMac(2) },
      sessions: [{ guestId: 'desktop-1', protocol: 'vnc', startedAt: new Date().toISOString(), seconds: 1, outcome: 'ended', firstFrameMs: 1e9 }],
    });
    expect(outOfRange.status).toBe(400);
    expect(((await outOfRange.json()) as { error: { message: string } }).error.message).toMatch(/^sessions\[0\]\.firstFrameMs: /);
    const negative = await post(broker, seedMac(3), { client: { mac: seedMac(3) }, update: { state: 'downloading', percent: 140 } });
    expect(negative.status).toBe(400);
    const future = await post(broker, seedMac(4), {
      client: { mac: seedMac(4) },
      image: { version: 'never-published-7' },
      sessions: [{ guestId: 'desktop-2', protocol: 'vnc', startedAt: '2099-01-01T00:00:00Z', seconds: 60, outcome: 'ended', firstFrameMs: 500 }],
    });
    expect(future.status).toBe(204);
    const shown = await status(broker);
    expect(shown.reports.refused).toBe(2);
    expect(shown.reports.lastRefusal).toMatchObject({ mac: seedMac(3), from: '127.0.0.1' });
    expect(shown.pcs.some((pc) => pc.mac === seedMac(2) || pc.mac === seedMac(3))).toBe(false);
    const liar = shown.pcs.find((pc) => pc.mac === seedMac(4));
    expect(liar?.image?.published).toBe(false);
    expect(liar?.problems).toContain('runs never-published-7, which is not published');
    expect(liar?.qoe.sessions).toBe(1);
    expect(shown.versions.unpublished).toEqual([{ version: 'never-published-7', pcs: 1 }]);
    expect(broker.child.log).toMatch(/1 sessions start in the future by its clock; filed as ending now/);
  });

  it('takes one report a second from a PC (429 with Retry-After beyond that)', async () => {
    const body = { client: { mac: seedMac(5) } };
    expect((await post(broker, seedMac(5), body)).status).toBe(204);
    const again = await post(broker, seedMac(5), body);
    expect(again.status).toBe(429);
    expect(again.headers.get('retry-after')).toBe('1');
  });

  it('takes 5,000 PCs reporting at once and shows every one', async () => {
    const started = performance.now();
    for (let batch = 0; batch < 5000; batch += 250) {
      await Promise.all(
        Array.from({ length: 250 }, (_, offset) => {
          const index = 1000 + batch + offset;
          const report: ClientReport = {
            client: { mac: seedMac(index), hostname: `lab-pc${index}` },
            image: { version: index % 2 === 0 ? '2026.11.2' : '2026.11.1' },
            sessions: [
              { guestId: 'desktop-3', protocol: 'xdmcp', startedAt: new Date().toISOString(), seconds: 1, outcome: 'ended', firstFrameMs: 300 + (index % 700) },
            ],
          };
          return sendReport(broker.url, report, request);
        }),
      );
    }
    const elapsed = performance.now() - started;
    const shown = await status(broker);
    expect(shown.totals.pcs).toBe(5003);
    expect(shown.versions.published.map((entry) => [entry.version, entry.pcs])).toEqual(
      expect.arrayContaining([
        ['2026.11.2', 2501],
        ['2026.11.1', 2500],
      ]),
    );
    console.log(`5,000 reports in ${Math.round(elapsed)} ms`);
  });

  it('comes back after a restart with every PC and session from the report file', async () => {
    const before = await status(broker);
    await broker.child.stop();
    broker = await start();
    expect(broker.child.log).toMatch(/reports: 5003 PCs from 5003 lines/);
    const after = await status(broker);
    const comparable = (shown: AdminStatus) => shown.pcs.map((pc) => ({ ...pc, onGuest: null }));
    expect(comparable(after)).toEqual(comparable(before));
    expect(after.totals.sessionsLastHour).toBe(before.totals.sessionsLastHour);
  });

  it('refuses a report the file cannot keep (503, said once in the log) and takes it again once it can', async () => {
    const file = join(dir, 'unkeepable.jsonl');
    const own = await startVddBroker(children, catalogFile, {
      extraArgs: ['--probe-interval', '0', '--reports', file, '--admin-token-file', tokenFile, ...oneAddressForManyPcs],
    });
    const mac = '52:54:00:ee:ee:01';
    const body = { client: { mac, hostname: 'lab-pc-disk' }, image: { version: '2026.11.2' } };
    // The file's place taken by a directory stands in for a full or read-only disk.
    mkdirSync(file);
    for (const attempt of [1, 2]) {
      const refused = await post(own, mac, body);
      expect(refused.status, `attempt ${attempt}`).toBe(503);
      expect(refused.headers.get('retry-after')).toBe('60');
      await new Promise((resolve) => setTimeout(resolve, 1100));
    }
    expect(own.child.log.match(/reports: cannot write \S+unkeepable\.jsonl/g)).toHaveLength(1);
    const shown = await status(own);
    expect(shown.pcs.find((pc) => pc.mac === mac)).toBeUndefined();
    rmdirSync(file);
    expect((await post(own, mac, body)).status).toBe(204);
    expect((await status(own)).pcs.find((pc) => pc.mac === mac)).toMatchObject({ hostname: 'lab-pc-disk' });
    expect(readFileSync(file, 'utf8')).toContain('lab-pc-disk');
  });
});
