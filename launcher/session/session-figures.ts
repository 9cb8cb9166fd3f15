// What the broker's admins learn of one session started from the menu (the status reports):
// Enter -> first remote frame, the probe's round trip, how it ended; dropped once it was on
// screen, failed before. Bounded to what the report schema accepts.
import { maxFirstFrameMs, type Guest, type ReportSession } from '../../common/protocol/broker-protocol.ts';
import type { SessionFailure } from './session-end.ts';

export type SessionMeasures = { rttMs?: number; firstFrameMs?: number };

/** endedAt and elapsedMs (monotonic) place the start: a clock set during the session (NTP after
 * a boot with a dead CMOS battery) moves the start with it, as it does the report's sentAt. */
export function sessionFigures(
  guest: Guest,
  endedAt: Date,
  elapsedMs: number,
  measured: Readonly<SessionMeasures>,
  failure: SessionFailure | undefined,
): ReportSession {
  const round = (ms: number) => Math.round(ms * 10) / 10;
  return {
    guestId: guest.id,
    protocol: guest.protocol,
    startedAt: new Date(endedAt.getTime() - elapsedMs).toISOString(),
    seconds: Math.min(31 * 86_400, Math.round(elapsedMs / 100) / 10),
    outcome: failure === undefined ? 'ended' : measured.firstFrameMs === undefined ? 'failed' : 'dropped',
    ...(failure === undefined ? {} : { reason: `${failure.code}: ${failure.title}`.slice(0, 256) }),
    ...(measured.rttMs === undefined ? {} : { rttMs: round(Math.min(60_000, measured.rttMs)) }),
    ...(measured.firstFrameMs === undefined ? {} : { firstFrameMs: round(Math.min(maxFirstFrameMs, measured.firstFrameMs)) }),
  };
}
