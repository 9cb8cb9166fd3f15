// A session's figures for the status reports: the start is placed from the end and the length
// measured on the monotonic clock, so a clock set during the session moves both alike.
import { describe, expect, it } from 'vitest';
import { sessionFigures } from '../../../launcher/session/session-figures.ts';

const guest = { id: 'debian', name: 'Debian', os: 'Debian 12', protocol: 'xdmcp' as const, host: '10.0.0.2', port: 177, state: 'running' as const };

describe('session figures', () => {
  it('starts the session its length before it ended, and says how it ended', () => {
    const figures = sessionFigures(guest, new Date('2026-12-03T10:00:00Z'), 90_000, { firstFrameMs: 812.34, rttMs: 2.06 }, undefined);
    expect(figures).toEqual({
      guestId: 'debian',
      protocol: 'xdmcp',
      startedAt: '2026-12-03T09:58:30.000Z',
      seconds: 90,
      outcome: 'ended',
      firstFrameMs: 812.3,
      rttMs: 2.1,
    });
  });
});
