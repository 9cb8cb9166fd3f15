// The report of an exec-mode session, left for the launcher init starts next: its length from its
// start to then, bounded; a file that is not one is removed and said in the log.
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { leaveExecSessionReport, takeExecSessionReport } from '../../../launcher/session/exec-session-report.ts';
import { useTempDir } from '../../support/temp-dir.ts';

const dir = useTempDir('vdd-exec-report-');
const started = new Date('2026-12-03T08:00:00.000Z');
const session = { guestId: 'winxp', protocol: 'vnc' as const, startedAt: started.toISOString(), seconds: 0, outcome: 'ended' as const, rttMs: 1.5 };

describe('exec-mode session reports', () => {
  it('hands the session to the next launcher once, ended, with its length', () => {
    const runtime = join(dir, 'one');
    leaveExecSessionReport(runtime, session);
    const lines: string[] = [];
    expect(takeExecSessionReport(runtime, (line) => lines.push(line), new Date(started.getTime() + 754_321))).toEqual({ ...session, seconds: 754.3 });
    expect(existsSync(join(runtime, 'exec-session.json'))).toBe(false);
    expect(takeExecSessionReport(runtime, (line) => lines.push(line))).toBeUndefined();
    expect(lines).toEqual([]);
  });

  it('bounds the length by the clock: never negative, at most 31 days', () => {
    const runtime = join(dir, 'clock');
    leaveExecSessionReport(runtime, session);
    expect(takeExecSessionReport(runtime, () => {}, new Date(started.getTime() - 60_000))?.seconds).toBe(0);
    leaveExecSessionReport(runtime, session);
    expect(takeExecSessionReport(runtime, () => {}, new Date(started.getTime() + 90 * 86_400_000))?.seconds).toBe(31 * 86_400);
  });

  it('removes a file that is not a session report and says so', () => {
    const runtime = join(dir, 'bad');
    leaveExecSessionReport(runtime, session);
    writeFileSync(join(runtime, 'exec-session.json'), '{"guestId": 5}');
    const lines: string[] = [];
    expect(takeExecSessionReport(runtime, (line) => lines.push(line))).toBeUndefined();
    expect(lines).toEqual([`${join(runtime, 'exec-session.json')}: not an exec-mode session report; removed`]);
    expect(existsSync(join(runtime, 'exec-session.json'))).toBe(false);
  });
});
