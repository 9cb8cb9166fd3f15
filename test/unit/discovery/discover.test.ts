// The discovery race as pure logic: priority, stages, the deadline and the report.
import { describe, expect, it } from 'vitest';
import { discover } from '../../../launcher/discovery/discover.ts';
import type { DiscoverySource, SourceFinding, SourceName, SourceStage } from '../../../launcher/discovery/discovery-source.ts';

type Script = { name: SourceName; stage: SourceStage; afterMs: number; finding?: SourceFinding; error?: string };

function source(script: Script, started: SourceName[]): DiscoverySource {
  return {
    name: script.name,
    label: script.name,
    stage: script.stage,
    find: (signal) => {
      started.push(script.name);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () => (script.error ? reject(new Error(script.error)) : resolve(script.finding ?? { brokers: [], detail: 'none' })),
          script.afterMs,
        );
        signal.addEventListener('abort', () => clearTimeout(timer));
      });
    },
  };
}

const found = (url: string): SourceFinding => ({ brokers: [{ url, via: url }], detail: 'found' });

describe('discover', () => {
  it('lets a slower source of higher priority win over a faster one below it', async () => {
    const started: SourceName[] = [];
    const result = await discover(
      [
        source({ name: 'kernel', stage: 'local', afterMs: 30, finding: found('http://k/') }, started),
        source({ name: 'dhcp', stage: 'local', afterMs: 1, finding: found('http://d/') }, started),
      ],
      { deadlineMs: 1000, waitForAll: false },
    );
    expect(result.chosen).toBe('kernel');
    expect(result.brokers).toEqual([{ url: 'http://k/', via: 'http://k/' }]);
  });

  it('never starts network sources when a local source found a broker', async () => {
    const started: SourceName[] = [];
    const result = await discover(
      [
        source({ name: 'command-line', stage: 'local', afterMs: 0, finding: found('http://flag/') }, started),
        source({ name: 'dns-sd', stage: 'network', afterMs: 0, finding: found('http://sd/') }, started),
        source({ name: 'xdmcp', stage: 'fallback', afterMs: 0 }, started),
      ],
      { deadlineMs: 1000, waitForAll: false },
    );
    expect(started).toEqual(['command-line']);
    expect(result.reports.map((report) => report.status)).toEqual(['found', 'not-needed', 'not-needed']);
  });

  it('starts the XDMCP broadcast only after the network found nothing, and uses its guests', async () => {
    const started: SourceName[] = [];
    const guest = { id: 'x', name: 'dm', os: 'Linux', protocol: 'xdmcp', host: '10.0.0.1', port: 177, state: 'running' } as const;
    const result = await discover(
      [
        source({ name: 'config-file', stage: 'local', afterMs: 0 }, started),
        source({ name: 'dns-srv', stage: 'network', afterMs: 10, error: 'SERVFAIL' }, started),
        source({ name: 'xdmcp', stage: 'fallback', afterMs: 5, finding: { brokers: [], guests: [guest], detail: '1 willing' } }, started),
      ],
      { deadlineMs: 1000, waitForAll: false },
    );
    expect(started).toEqual(['config-file', 'dns-srv', 'xdmcp']);
    expect(result).toMatchObject({ chosen: 'xdmcp', brokers: [], xdmcpGuests: [guest] });
    expect(result.reports[1]).toMatchObject({ status: 'failed', detail: 'SERVFAIL' });
  });

  it('gives up at the deadline and says which sources did not answer', async () => {
    const result = await discover([source({ name: 'dns-sd', stage: 'network', afterMs: 10_000 }, [])], { deadlineMs: 50, waitForAll: false });
    expect(result.brokers).toEqual([]);
    expect(result.reports[0]).toMatchObject({ status: 'timed-out', detail: 'no answer within 50 ms (config key discovery_timeout)' });
  });

  it('waits for every source in the full report, in the given order with switched-off sources', async () => {
    const started: SourceName[] = [];
    const result = await discover(
      [
        source({ name: 'command-line', stage: 'local', afterMs: 0, finding: found('http://flag/') }, started),
        source({ name: 'dns-sd', stage: 'network', afterMs: 20, finding: found('http://sd/') }, started),
      ],
      { deadlineMs: 1000, waitForAll: true, off: [{ name: 'dhcp', label: 'dhcp' }], order: ['command-line', 'dhcp', 'dns-sd'] },
    );
    expect(started).toEqual(['command-line', 'dns-sd']);
    expect(result.chosen).toBe('command-line');
    expect(result.reports.map((report) => `${report.name}:${report.status}`)).toEqual(['command-line:found', 'dhcp:off', 'dns-sd:found']);
  });
});
