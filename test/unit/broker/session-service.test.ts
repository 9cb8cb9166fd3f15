// The session service's rules, on a real catalog file and a console that records tickets: one
// lease per desktop, the same PC gets its own desktop back, pools give each PC a free desktop on
// the least loaded host, leases end by their holder, by an admin or after the grace time (on the
// monotonic clock: a jump of the wall clock changes nothing), tickets are bound to the lease.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CatalogStore } from '../../../broker/catalog-store.ts';
import { HttpProblem } from '../../../broker/http-body.ts';
import type { SavedLeases } from '../../../broker/sessions/lease-book.ts';
import { SessionService, type SessionServiceOptions } from '../../../broker/sessions/session-service.ts';
import { RecordingConsole, ticketedGuest } from '../../support/session-fixtures.ts';
import { useTempDir } from '../../support/temp-dir.ts';

const vnc = ticketedGuest;

describe('the session service', () => {
  const dir = useTempDir();
  let files = 0;

  function service(guests: readonly Record<string, unknown>[], graceMs = 60_000, saving: Pick<SessionServiceOptions, 'savedLeases' | 'saveLeases'> = {}) {
    const file = join(dir, `catalog-${++files}.json`);
    writeFileSync(file, JSON.stringify({ version: 1, broker: { id: 'lab', name: 'Lab' }, ttl: 30, guests }));
    const store = new CatalogStore(file, () => {});
    const console = new RecordingConsole();
    const audit: string[] = [];
    const clock = { monotonic: 1000, wall: new Date('2026-12-03T09:00:00Z') };
    const sessions = new SessionService(store, {
      ticketTtlMs: 30_000,
      renewMs: 15_000,
      graceMs,
      log: () => {},
      audit: (event, fields) => audit.push(`${event} ${JSON.stringify(fields)}`),
      consoleOf: (desktop) => (desktop.backend.passwordFile ? console : undefined),
      monotonic: () => clock.monotonic,
      wallClock: () => clock.wall,
      ...saving,
    });
    return { store, sessions, console, audit, clock };
  }

  const pc = (n: number) => ({
    client: { mac: `52:54:00:00:00:${String(n).padStart(2, '0')}`, hostname: `lab-pc${String(n).padStart(2, '0')}` },
    peer: { address: `10.0.1.${n}` },
  });

  it('gives a desktop to one PC, its own desktop back to the same PC, and in-use to the others', async () => {
    const { sessions, console, store } = service([vnc('desk')]);
    const first = await sessions.request('desk', pc(1).client, pc(1).peer);
    expect(first).toMatchObject({ password: expect.stringMatching(/^.{8}$/), lease: { guest: 'desk', renewSeconds: 15, graceSeconds: 60 } });
    expect(console.tickets.get('desk')?.password).toBe(first.password);

    const refused = await sessions.request('desk', pc(2).client, pc(2).peer).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(HttpProblem);
    expect(refused).toMatchObject({ status: 409, code: 'in-use', details: { by: 'lab-pc01', since: '2026-12-03T09:00:00.000Z' } });
    // A forged MAC from another address is another PC.
    await expect(sessions.request('desk', pc(1).client, pc(2).peer)).rejects.toMatchObject({ code: 'in-use' });

    // The same PC again (a launcher started again): the same lease, a new token and password.
    const again = await sessions.request('desk', pc(1).client, pc(1).peer);
    expect(again.lease?.id).toBe(first.lease?.id);
    expect(again.lease?.token).not.toBe(first.lease?.token);
    expect(again.password).not.toBe(first.password);
    expect(JSON.parse(store.catalog(2).body).guests[0].use).toEqual({ sessions: 1, seats: 1, by: 'lab-pc01', since: '2026-12-03T09:00:00.000Z' });
    // Older launchers get the v1 catalog without use.
    expect(JSON.parse(store.catalog(0).body).guests[0].use).toBeUndefined();
  });

  it('renews, ends and refuses leases only for their holder', async () => {
    const { sessions } = service([vnc('desk')]);
    const { lease } = await sessions.request('desk', pc(1).client, pc(1).peer);
    if (!lease) throw new Error('no lease');
    expect(() => sessions.renew(lease.id, { token: 'x'.repeat(32) }, pc(1).peer)).toThrow(expect.objectContaining({ status: 403 }));
    expect(() => sessions.renew(lease.id, { token: lease.token }, pc(2).peer)).toThrow(/belongs to another PC/);
    sessions.renew(lease.id, { token: lease.token }, pc(1).peer);
    sessions.end(lease.id, { token: lease.token }, pc(1).peer);
    expect(() => sessions.end(lease.id, { token: lease.token }, pc(1).peer)).toThrow(/has ended/);
    await expect(sessions.request('desk', pc(2).client, pc(2).peer)).resolves.toMatchObject({ lease: { guest: 'desk' } });
  });

  it('ends a lease after the grace time on the monotonic clock, whatever the wall clock does', async () => {
    const { sessions, clock, console, audit } = service([vnc('desk')], 60_000);
    const { lease } = await sessions.request('desk', pc(1).client, pc(1).peer);
    if (!lease) throw new Error('no lease');
    // The wall clock jumps a year ahead and back: nothing ends.
    clock.wall = new Date('2027-12-03T09:00:00Z');
    sessions.leases.sweep();
    clock.wall = new Date('2020-01-01T00:00:00Z');
    sessions.leases.sweep();
    expect(sessions.list()).toHaveLength(1);
    clock.monotonic += 59_000;
    sessions.renew(lease.id, { token: lease.token }, pc(1).peer);
    clock.monotonic += 59_000;
    expect(sessions.leases.sweep()).toBe(0);
    clock.monotonic += 2000;
    expect(sessions.leases.sweep()).toBe(1);
    expect(console.expired).toContain('desk');
    expect(audit.at(-1)).toMatch(/^lease-end .*"reason":"expired","peer":"10.0.1.1","mac":"52:54:00:00:00:01"/);
  });

  it('lets an admin end a lease: the desktop is free and the holder learns it at its next renewal', async () => {
    const { sessions, audit } = service([vnc('desk')]);
    const { lease } = await sessions.request('desk', pc(1).client, pc(1).peer);
    if (!lease) throw new Error('no lease');
    expect(sessions.list()).toEqual([
      expect.objectContaining({ id: lease.id, guest: 'desk', address: '10.0.1.1', mac: '52:54:00:00:00:01', hostname: 'lab-pc01', held: false }),
    ]);
    expect(sessions.endByAdmin(lease.id)).toMatchObject({ id: lease.id, hostname: 'lab-pc01' });
    expect(sessions.endByAdmin(lease.id)).toBeUndefined();
    expect(audit.at(-1)).toMatch(/"reason":"admin"/);
    // The PC renews after its lease ended; another PC took the desktop meanwhile, so it is not taken back.
    await sessions.request('desk', pc(2).client, pc(2).peer);
    expect(() => sessions.renew(lease.id, { token: lease.token, guest: 'desk', client: pc(1).client }, pc(1).peer)).toThrow(/has ended/);
  });

  it('takes a lease back after a restart when its holder renews and the seat is free', async () => {
    const { sessions } = service([vnc('desk')]);
    const token = 'T'.repeat(32);
    sessions.renew('Lrestored1', { token, guest: 'desk', client: pc(1).client }, pc(1).peer);
    expect(sessions.list()).toEqual([expect.objectContaining({ id: 'Lrestored1', guest: 'desk', address: '10.0.1.1' })]);
    sessions.renew('Lrestored1', { token }, pc(1).peer);
    await expect(sessions.request('desk', pc(2).client, pc(2).peer)).rejects.toMatchObject({ code: 'in-use' });
  });

  it('keeps its leases across a restart when they are saved: a full grace time from the restart, ended ones stay ended', async () => {
    let saved: SavedLeases = { leases: [], ended: [] };
    const before = service([vnc('desk'), vnc('other')], 60_000, { saveLeases: (leases) => (saved = leases) });
    const { lease } = await before.sessions.request('desk', pc(1).client, pc(1).peer);
    const { lease: ended } = await before.sessions.request('other', pc(3).client, pc(3).peer);
    if (!lease || !ended) throw new Error('no lease');
    before.sessions.endByAdmin(ended.id);
    expect(saved.leases.map((entry) => entry.id)).toEqual([lease.id]);
    expect(saved.ended).toEqual([ended.id]);
    expect(JSON.stringify(saved)).not.toContain(lease.token);

    const after = service([vnc('desk'), vnc('other')], 60_000, { savedLeases: saved });
    await expect(after.sessions.request('desk', pc(2).client, pc(2).peer)).rejects.toMatchObject({ code: 'in-use', details: { by: 'lab-pc01' } });
    // Its holder renews with the token it had; the one an admin ended is not taken back.
    after.sessions.renew(lease.id, { token: lease.token }, pc(1).peer);
    expect(() => after.sessions.renew(ended.id, { token: ended.token, guest: 'other', client: pc(3).client }, pc(3).peer)).toThrow(/has ended/);
    // Not renewed again: it ends a grace time after its last renewal.
    after.clock.monotonic += 59_000;
    after.sessions.leases.sweep();
    expect(after.sessions.list()).toHaveLength(1);
    after.clock.monotonic += 2000;
    after.sessions.leases.sweep();
    expect(after.sessions.list()).toHaveLength(0);
    await expect(after.sessions.request('desk', pc(2).client, pc(2).peer)).resolves.toMatchObject({ lease: { guest: 'desk' } });
  });

  it('gives each PC of a pool a different desktop, on the least loaded host first, then 409 with when one is expected', async () => {
    const members = [
      vnc('a1', { pool: 'lab', host: '10.0.0.1', passwordFile: '/run/a1' }),
      vnc('a2', { pool: 'lab', host: '10.0.0.1', passwordFile: '/run/a2' }),
      vnc('b1', { pool: 'lab', host: '10.0.0.2', passwordFile: '/run/b1' }),
    ];
    const { sessions, store, clock } = service([
      ...members,
      { id: 'xd', name: 'X', os: 'Linux', protocol: 'xdmcp', host: '10.0.0.1', port: 177, state: 'running' },
    ]);
    expect(JSON.parse(store.catalog(2).body).guests.map((guest: { id: string }) => guest.id)).toEqual(['lab', 'xd']);
    const given: string[] = [];
    for (const n of [1, 2, 3]) given.push((await sessions.request('lab', pc(n).client, pc(n).peer)).lease?.guest ?? '');
    // Host 10.0.0.1 first (catalog order), then the empty host 10.0.0.2, then back to 10.0.0.1.
    expect(given).toEqual(['a1', 'b1', 'a2']);
    expect(JSON.parse(store.catalog(2).body).guests[0].use).toEqual({ sessions: 3, seats: 3, desktops: 3 });
    const full = await sessions.request('lab', pc(4).client, pc(4).peer).catch((error: unknown) => error);
    expect(full).toMatchObject({ status: 409, code: 'in-use', message: 'all 3 desktops of lab are in use', details: {} });
    // PC 2 stops renewing: once it is overdue the broker says when its desktop is expected free.
    clock.monotonic += 40_000;
    for (const n of [1, 3]) {
      const lease = sessions.list().find((view) => view.address === `10.0.1.${n}`);
      sessions.leases.seen(sessions.leases.find(lease?.id ?? '') ?? (undefined as never));
    }
    const expected = await sessions.request('lab', pc(4).client, pc(4).peer).catch((error: unknown) => error);
    expect(expected).toMatchObject({ code: 'in-use', details: { freeAt: new Date(clock.wall.getTime() + 20_000).toISOString() } });
    // XDMCP guests take any number of sessions.
    for (const n of [1, 2, 3, 4]) await sessions.request('xd', pc(n).client, pc(n).peer);
    expect(JSON.parse(store.catalog(2).body).guests[1].use).toEqual({ sessions: 4 });
  });
});
