// The report of an exec-mode session, which no launcher is left to send: left just before the
// viewer replaces the launcher, and sent by the launcher init starts next, with the session's
// length from its start to then (init starts the next launcher when the viewer exits).
import { reportSessionSchema, type ReportSession } from '../../common/protocol/broker-protocol.ts';
import { leaveForNextLauncher, takeLeftByLastLauncher } from './left-for-next-launcher.ts';

const fileName = 'exec-session.json';
const maxSeconds = 31 * 86_400;

/** Before exec mode: the session's figures so far (its start, the probe's round trip), in the session runtime directory. */
export function leaveExecSessionReport(runtimeDir: string, session: ReportSession): void {
  leaveForNextLauncher(runtimeDir, fileName, session);
}

/** At start: the exec-mode session the last launcher left, ended now; undefined when there is none (or the file is not one). */
export function takeExecSessionReport(runtimeDir: string, log: (line: string) => void, now: Date = new Date()): ReportSession | undefined {
  const session = takeLeftByLastLauncher(runtimeDir, fileName, reportSessionSchema, 'an exec-mode session report', log);
  if (session === undefined) return undefined;
  const seconds = (now.getTime() - Date.parse(session.startedAt)) / 1000;
  return { ...session, outcome: 'ended', seconds: Math.round(Math.min(maxSeconds, Math.max(0, seconds)) * 10) / 10 };
}
