// The launcher's status reports, with a recording stand-in for the HTTP send: a change is sent
// once, not sooner than the minimum interval after the last send; sessions go once each and wait
// (bounded) while the broker is away; nothing is sent before a broker is known.
import { describe, expect, it } from 'vitest';
import type { ClientReport, ReportSession } from '../../../common/protocol/broker-protocol.ts';
import { startStatusReporter } from '../../../launcher/broker-client/status-reports.ts';

function session(n: number): ReportSession {
  return {
    guestId: 'debian',
    protocol: 'vnc',
    startedAt: new Date(1_800_000_000_000 + n * 1000).toISOString(),
    seconds: 10,
    outcome: 'ended',
    firstFrameMs: 400 + n,
  };
}

function recorder(fail: () => boolean = () => false) {
  const sent: { broker: string; body: ClientReport }[] = [];
  const send = async (broker: string, body: ClientReport) => {
    if (fail()) throw new Error('http://broker/v1/clients/x/report: connection refused');
    sent.push({ broker, body });
  };
  return { sent, send };
}

const client = { mac: '52:54:00:12:34:56', hostname: 'lab-pc07' };
const options = { client, launcherVersion: '0.1.0', request: { timeoutMs: 1000, caFile: '/nonexistent' }, random: () => 0.5 };

describe('status reports', () => {
  it('sends nothing before a broker is known, then the facts once, with sentAt', async () => {
    const { sent, send } = recorder();
    const reporter = startStatusReporter({ ...options, send, log: () => {}, minIntervalMs: 50 });
    reporter.setFacts({ image: { name: 'vdd-thin', version: '2026.11.2' }, update: { state: 'current' } });
    await new Promise((resolve) => setTimeout(resolve, 80));
    expect(sent).toHaveLength(0);
    reporter.setBroker('http://broker/');
    await new Promise((resolve) => setTimeout(resolve, 80));
    expect(sent).toHaveLength(1);
    expect(sent[0]?.body).toMatchObject({ client, image: { version: '2026.11.2' }, update: { state: 'current' } });
    expect(Date.parse(sent[0]?.body.sentAt ?? '')).toBeGreaterThan(Date.now() - 5000);
    // The same facts again change nothing.
    reporter.setFacts({ update: { state: 'current' } });
    await new Promise((resolve) => setTimeout(resolve, 80));
    expect(sent).toHaveLength(1);
    reporter.stop();
  });

  it('coalesces changes within the minimum interval into one report', async () => {
    const { sent, send } = recorder();
    const reporter = startStatusReporter({ ...options, send, log: () => {}, minIntervalMs: 150 });
    reporter.setBroker('http://broker/');
    await reporter.flush();
    expect(sent).toHaveLength(1);
    for (let percent = 10; percent <= 50; percent += 10) reporter.setFacts({ update: { state: 'downloading', version: '2', percent } });
    reporter.sessionEnded(session(1));
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(sent).toHaveLength(1);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(sent).toHaveLength(2);
    expect(sent[1]?.body.update).toEqual({ state: 'downloading', version: '2', percent: 50 });
    expect(sent[1]?.body.sessions).toEqual([session(1)]);
    await reporter.flush();
    expect(sent[2]?.body.sessions).toBeUndefined();
    reporter.stop();
  });

  it('keeps sessions while the broker is away, at most 100, and logs the failure once', async () => {
    let down = true;
    const { sent, send } = recorder(() => down);
    const lines: string[] = [];
    const reporter = startStatusReporter({ ...options, send, log: (line) => lines.push(line), minIntervalMs: 10_000 });
    reporter.setBroker('http://broker/');
    for (let n = 0; n < 130; n++) reporter.sessionEnded(session(n));
    await reporter.flush();
    await reporter.flush();
    expect(lines.filter((line) => line.includes('not sent'))).toHaveLength(1);
    down = false;
    await reporter.flush();
    expect(sent).toHaveLength(1);
    expect(sent[0]?.body.sessions).toHaveLength(100);
    expect(sent[0]?.body.sessions?.[0]).toEqual(session(30));
    expect(lines.some((line) => line.includes('30 sessions were not reported'))).toBe(true);
    await reporter.flush();
    expect(sent[1]?.body.sessions).toBeUndefined();
    reporter.stop();
  });

  it('sends what waits when it stops, and gives up after the limit when the broker does not answer', async () => {
    const { sent, send } = recorder();
    const reporter = startStatusReporter({ ...options, send, log: () => {}, minIntervalMs: 10_000 });
    reporter.setBroker('http://broker/');
    await reporter.flush();
    reporter.sessionEnded(session(1));
    await reporter.finish(1500);
    expect(sent.map((report) => report.body.sessions)).toEqual([undefined, [session(1)]]);
    // Nothing more once stopped.
    reporter.sessionEnded(session(2));
    await reporter.flush();
    expect(sent).toHaveLength(2);

    const hanging = startStatusReporter({ ...options, send: () => new Promise<void>(() => {}), log: () => {}, minIntervalMs: 10_000 });
    hanging.setBroker('http://broker/');
    hanging.sessionEnded(session(3));
    // Returns although the send never ends (else the test times out).
    await hanging.finish(100);
  });

  it("waits out the broker's one report a second when it stops, if the limit allows", async () => {
    const sent: number[] = [];
    const send = async () => {
      const now = performance.now();
      if (sent.length > 0 && now - sent.at(-1)! < 1000) throw new Error('HTTP 429: one report a second at most');
      sent.push(now);
    };
    const reporter = startStatusReporter({ ...options, send, log: () => {}, minIntervalMs: 10_000 });
    reporter.setBroker('http://broker/');
    await reporter.flush();
    reporter.sessionEnded(session(1));
    await reporter.finish(1500);
    expect(sent).toHaveLength(2);

    const late: number[] = [];
    const tooSoon = startStatusReporter({ ...options, send: async () => void late.push(0), log: () => {}, minIntervalMs: 10_000 });
    tooSoon.setBroker('http://broker/');
    await tooSoon.flush();
    tooSoon.sessionEnded(session(2));
    // Less than the second it would have to wait: nothing is tried.
    await tooSoon.finish(200);
    expect(late).toHaveLength(1);
  });

  it('sends nothing when it stops with nothing new to say', async () => {
    const { sent, send } = recorder();
    const reporter = startStatusReporter({ ...options, send, log: () => {}, minIntervalMs: 10_000 });
    reporter.setBroker('http://broker/');
    await reporter.flush();
    await reporter.finish(500);
    expect(sent).toHaveLength(1);
  });
});
