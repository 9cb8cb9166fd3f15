// The report of an exec-mode session, which no launcher is left to send: written just before the
// viewer replaces the launcher, into the session's runtime directory (on the PC's tmpfs, so a
// restart forgets it), and sent by the launcher init starts next, with the session's length from
// its start to then (init starts the next launcher when the viewer exits).
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeDirectory } from '../../common/io/make-directory.ts';
import { readBoundedText } from '../../common/io/read-bounded.ts';
import { reportSessionSchema, type ReportSession } from '../../common/protocol/broker-protocol.ts';

const maxSeconds = 31 * 86_400;

function leftFile(runtimeDir: string): string {
  return join(runtimeDir, 'exec-session.json');
}

/** Before exec mode: the session's figures so far (its start, the probe's round trip), in the session runtime directory. */
export function leaveExecSessionReport(runtimeDir: string, session: ReportSession): void {
  makeDirectory(runtimeDir, 0o700);
  writeFileSync(leftFile(runtimeDir), JSON.stringify(session), { mode: 0o600 });
}

/** At start: the exec-mode session the last launcher left, ended now; undefined when there is none (or the file is not one). */
export function takeExecSessionReport(runtimeDir: string, log: (line: string) => void, now: Date = new Date()): ReportSession | undefined {
  const path = leftFile(runtimeDir);
  let text: string;
  try {
    text = readBoundedText(path, 4096);
  } catch {
    return undefined;
  }
  rmSync(path, { force: true });
  const parsed = reportSessionSchema.safeParse(parseJson(text));
  if (!parsed.success) {
    log(`${path}: not an exec-mode session report; removed`);
    return undefined;
  }
  const seconds = (now.getTime() - Date.parse(parsed.data.startedAt)) / 1000;
  return { ...parsed.data, outcome: 'ended', seconds: Math.round(Math.min(maxSeconds, Math.max(0, seconds)) * 10) / 10 };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
