// A classroom at 9:00: thirty PCs choose one pool of thirty real Xvnc desktops at once. Each gets a
// different desktop, and the one-time ticket it got opens exactly its own desktop (the desktop's
// name says which); the catalog says how many are free; a thirty-first PC gets 409 for the full
// pool, and none of the tickets opens a second connection.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { probeRfb } from '../../../common/probe/rfb-handshake.ts';
import { writeCatalogFile } from '../../support/broker.ts';
import { useChildren } from '../../support/children.ts';
import { sessionBurst, askSession, getCatalog } from '../../support/pc-requests.ts';
import { startVddBroker, oneAddressForManyPcs } from '../../support/peers/vdd-broker.ts';
import { startXvnc, type Xvnc } from '../../support/peers/xvnc.ts';
import { announceSkip, missingTools } from '../../support/skip-reason.ts';
import { useTempDir } from '../../support/temp-dir.ts';

const unavailable = announceSkip('pool of Xvnc desktops', missingTools(['Xvnc', 'vncpasswd']));
const size = 30;

type Granted = { status: number; body: { password?: string; port?: number; lease?: { guest: string }; error?: { code: string; message: string } } };

describe.skipIf(unavailable)('a pool of real desktops', { timeout: 120_000 }, () => {
  const children = useChildren();
  const dir = useTempDir();

  it('gives thirty PCs choosing it at once thirty different desktops, each ticket opening its own', async () => {
    // Ten at a time: thirty X servers starting at once on a busy 2-core CI runner are slow to answer.
    const desktops: Xvnc[] = [];
    for (let first = 0; first < size; first += 10) {
      const batch = Array.from({ length: Math.min(10, size - first) }, (_, k) => first + k);
      desktops.push(
        ...(await Promise.all(
          batch.map((n) => startXvnc(children, dir, { password: `initial${n}`.slice(0, 8), desktopName: `room-${n + 1}`, size: '64x48' })),
        )),
      );
    }
    const guests = desktops.map((xvnc, n) => ({
      id: `room-${n + 1}`,
      name: `Room desktop ${n + 1}`,
      os: 'Linux',
      protocol: 'vnc',
      host: '127.0.0.1',
      port: xvnc.port,
      auth: 'vnc-password',
      passwordFile: xvnc.passwordFile,
      state: 'running',
      pool: 'classroom',
    }));
    const broker = await startVddBroker(children, writeCatalogFile(join(dir, 'room.json'), guests), {
      extraArgs: ['--probe-interval', '0', ...oneAddressForManyPcs],
    });

    const answers = (await sessionBurst(broker.url, 'classroom', size, 0x100)) as Granted[];
    expect(answers.map((answer) => answer.status)).toEqual(Array(size).fill(200));
    const given = answers.map((answer) => answer.body.lease?.guest ?? '');
    expect(new Set(given).size).toBe(size);

    // Each ticket opens the desktop its answer named, once.
    const first = await Promise.all(
      answers.map((answer) => probeRfb('127.0.0.1', answer.body.port ?? 0, { timeoutMs: 5000, password: answer.body.password ?? '' })),
    );
    first.forEach((probe, n) => {
      expect(probe).toMatchObject({ ok: true, desktop: { name: given[n] } });
    });
    const again = await probeRfb('127.0.0.1', answers[0]?.body.port ?? 0, { timeoutMs: 5000, password: answers[0]?.body.password ?? '' });
    expect(again).toMatchObject({ ok: false, failure: 'auth-failed' });

    // The menu sees a full pool; one more PC is told so, without a password.
    const catalog = (await getCatalog(broker.url, { 'vdd-protocol': '1.2' })) as { body: { guests: { id: string; use?: unknown }[] } };
    expect(catalog.body.guests.find((entry) => entry.id === 'classroom')?.use).toMatchObject({ sessions: size, seats: size, desktops: size });
    const late = (await askSession(broker.url, 'classroom', { mac: '52:54:00:00:09:99', hostname: 'late-pc' })) as Granted;
    expect(late).toMatchObject({ status: 409, body: { error: { code: 'in-use', message: `all ${size} desktops of classroom are in use` } } });
    expect(late.body.password).toBeUndefined();
  });
});
