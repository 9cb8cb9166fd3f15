// 10,000 generated runs of session and lease requests against the session service (real catalog
// file, a console that records tickets): PCs asking for guests and pools, some with forged MACs
// or from another PC's address, renewing and ending leases with right, wrong and stolen tokens,
// restarts with and without the saved leases (--lease-file), admins ending leases, time passing on the monotonic clock
// while the wall clock jumps. After every step: no error but the protocol's, no desktop with more
// leases than seats, and no password ever given to a PC for a desktop another PC holds.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CatalogStore } from '../../broker/catalog-store.ts';
import { HttpProblem } from '../../broker/http-body.ts';
import { seatsOf } from '../../broker/sessions/menu-entries.ts';
import type { SavedLeases } from '../../broker/sessions/lease-book.ts';
import { SessionService } from '../../broker/sessions/session-service.ts';
import { fuzzRuns } from '../support/fuzz.ts';
import { RecordingConsole, ticketedGuest } from '../support/session-fixtures.ts';
import { useTempDir } from '../support/temp-dir.ts';

const vnc = ticketedGuest;
const guests = [
  vnc('desk'),
  vnc('a1', { pool: 'lab', host: '10.0.0.1' }),
  vnc('a2', { pool: 'lab', host: '10.0.0.1' }),
  vnc('b1', { pool: 'lab', host: '10.0.0.2' }),
  { id: 'open', name: 'Open', os: 'Linux', protocol: 'vnc', host: '10.0.0.6', port: 5902, state: 'running', seats: 2 },
  { id: 'xd', name: 'X', os: 'Linux', protocol: 'xdmcp', host: '10.0.0.7', port: 177, state: 'running' },
];
const entries = ['desk', 'lab', 'open', 'xd', 'nope', 'a1'];
const addresses = ['10.0.1.1', '10.0.1.2', '10.0.1.3', '10.0.1.4'];
const macs = ['52:54:00:00:00:01', '52:54:00:00:00:02', '52:54:00:00:00:03'];

const step = fc.oneof(
  fc.record({
    kind: fc.constant('request' as const),
    entry: fc.constantFrom(...entries),
    address: fc.constantFrom(...addresses),
    mac: fc.constantFrom(...macs),
  }),
  fc.record({
    kind: fc.constantFrom('renew' as const, 'end' as const),
    lease: fc.nat(20),
    address: fc.constantFrom(...addresses),
    token: fc.constantFrom('own', 'wrong', 'other'),
    rebuild: fc.boolean(),
  }),
  fc.record({ kind: fc.constant('admin' as const), lease: fc.nat(20) }),
  fc.record({ kind: fc.constant('time' as const), ms: fc.integer({ min: 0, max: 90_000 }), wallJump: fc.integer({ min: -1e10, max: 1e10 }) }),
  fc.record({ kind: fc.constant('used' as const), guest: fc.constantFrom('desk', 'a1', 'a2', 'b1') }),
  fc.record({ kind: fc.constant('restart' as const), keepLeases: fc.boolean() }),
);

describe('session and lease requests', () => {
  const dir = useTempDir();
  const file = join(dir, 'catalog.json');
  writeFileSync(file, JSON.stringify({ version: 1, broker: { id: 'lab', name: 'Lab' }, ttl: 30, guests }));

  it('keep every desktop to its seats and every password to the PC that holds the desktop', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(step, { maxLength: 25 }), async (steps) => {
        const store = new CatalogStore(file, () => {});
        const console = new RecordingConsole();
        const { tickets } = console;
        const clock = { monotonic: 0, wall: new Date('2026-12-03T09:00:00Z') };
        let saved: SavedLeases | undefined;
        const start = (savedLeases?: SavedLeases) =>
          new SessionService(store, {
            ticketTtlMs: 30_000,
            renewMs: 15_000,
            graceMs: 60_000,
            log: () => {},
            audit: () => {},
            consoleOf: (desktop) => (desktop.backend.passwordFile ? console : undefined),
            monotonic: () => clock.monotonic,
            wallClock: () => clock.wall,
            savedLeases,
            saveLeases: (leases) => (saved = leases),
          });
        let sessions = start();
        /** Every lease ever handed out, with its token and the PC it went to. */
        const issued: { id: string; token: string; guest: string; address: string; mac: string }[] = [];
        const expectProtocolError = (error: unknown) => {
          expect(error).toBeInstanceOf(HttpProblem);
          expect((error as HttpProblem).status).not.toBe(500);
        };
        try {
          for (const action of steps) {
            try {
              switch (action.kind) {
                case 'request': {
                  const answer = await sessions.request(action.entry, { mac: action.mac, hostname: 'pc' }, { address: action.address });
                  const lease = answer.lease;
                  expect(lease).toBeDefined();
                  if (!lease) break;
                  issued.push({ id: lease.id, token: lease.token, guest: lease.guest, address: action.address, mac: action.mac });
                  // The desktop given is held by this PC, and by nobody else.
                  const holders = sessions.list().filter((view) => view.guest === lease.guest);
                  const mine = holders.find((view) => view.id === lease.id);
                  expect(mine).toMatchObject({ address: action.address, mac: action.mac });
                  if (answer.password !== undefined) {
                    expect(holders).toHaveLength(1);
                    expect(tickets.get(lease.guest)?.password).toBe(answer.password);
                  }
                  break;
                }
                case 'renew':
                case 'end': {
                  const known = issued[action.lease % Math.max(1, issued.length)];
                  if (known === undefined) break;
                  const token = action.token === 'own' ? known.token : action.token === 'other' ? (issued[0]?.token ?? known.token) : 'W'.repeat(32);
                  const request = action.rebuild ? { token, guest: known.guest, client: { mac: known.mac } } : { token };
                  const existed = sessions.leases.find(known.id) !== undefined;
                  if (action.kind === 'renew') sessions.renew(known.id, request, { address: action.address });
                  else sessions.end(known.id, request, { address: action.address });
                  // Only the PC the lease went to, with its token, gets this far; a lease the broker no
                  // longer knows is taken back only onto a free seat, and then belongs to who asked.
                  if (existed) expect(action.address).toBe(known.address);
                  else {
                    // Taken back after a restart (here: a lease id this broker never ended, which only an invented one is).
                    expect(sessions.list().find((view) => view.id === known.id)).toMatchObject({ address: action.address });
                    known.address = action.address;
                  }
                  break;
                }
                case 'admin': {
                  const view = sessions.list()[action.lease % Math.max(1, sessions.list().length)];
                  if (view) expect(sessions.endByAdmin(view.id)?.id).toBe(view.id);
                  break;
                }
                case 'time':
                  clock.monotonic += action.ms;
                  clock.wall = new Date(clock.wall.getTime() + action.wallJump);
                  sessions.leases.sweep();
                  break;
                case 'used':
                  tickets.get(action.guest)?.used();
                  break;
                case 'restart':
                  await sessions.close([]);
                  sessions = start(action.keepLeases ? saved : undefined);
                  break;
              }
            } catch (error) {
              expectProtocolError(error);
            }
            // No desktop holds more leases than it has seats; the catalog stays valid.
            for (const desktop of store.guests) {
              const seats = seatsOf(desktop);
              if (seats !== undefined) expect(sessions.leases.count(desktop.guest.id)).toBeLessThanOrEqual(seats);
            }
            expect(() => JSON.parse(store.catalog(2).body)).not.toThrow();
          }
        } finally {
          await sessions.close([]);
          store.close();
        }
      }),
      { numRuns: fuzzRuns },
    );
  }, 120_000);
});
