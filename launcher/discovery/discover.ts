// Runs the discovery sources against one deadline. The first source in priority order that found
// brokers wins as soon as every source above it has finished. Sources start by stage: local ones
// (configuration, the lease file) first, the network ones only if those found nothing, the XDMCP
// broadcast only if nothing else did, so a configured broker costs no network traffic. The
// discover command starts them all at once for its full report.
import type { Guest } from '../../common/protocol/broker-protocol.ts';
import type { DiscoverySource, FoundBroker, SourceFinding, SourceName, SourceStage } from './discovery-source.ts';

export type SourceStatus = 'found' | 'nothing' | 'failed' | 'timed-out' | 'not-needed' | 'off';

export type SourceReport = {
  readonly name: SourceName;
  readonly label: string;
  readonly status: SourceStatus;
  readonly brokers: readonly FoundBroker[];
  readonly guests: number;
  readonly detail: string;
  readonly ms: number;
};

export type Discovery = {
  /** The winning source's brokers, in failover order. */
  readonly brokers: readonly FoundBroker[];
  /** Display managers from the XDMCP broadcast, when no broker was found. */
  readonly xdmcpGuests: readonly Guest[];
  readonly chosen: SourceName | undefined;
  readonly reports: readonly SourceReport[];
  readonly ms: number;
};

export type DiscoverOptions = {
  readonly deadlineMs: number;
  /** Wait for every source (discover command) instead of stopping at the winner (menu, list). */
  readonly waitForAll: boolean;
  /** Sources switched off by config, reported as such. */
  readonly off?: readonly { readonly name: SourceName; readonly label: string }[];
  /** Order of the report (priority order, off sources included); default: sources, then off ones. */
  readonly order?: readonly SourceName[];
};

/** Local sources (configuration, the DHCP lease file) first; the network only when they found nothing; the XDMCP broadcast last. */
const stages: readonly SourceStage[] = ['local', 'network', 'fallback'];

type Outcome = { readonly finding?: SourceFinding; readonly error?: string; readonly ms: number };

function found(outcome: Outcome | undefined): boolean {
  return outcome?.finding !== undefined && (outcome.finding.brokers.length > 0 || (outcome.finding.guests?.length ?? 0) > 0);
}

export function discover(sources: readonly DiscoverySource[], options: DiscoverOptions): Promise<Discovery> {
  const started = performance.now();
  const controller = new AbortController();
  const outcomes: (Outcome | undefined)[] = sources.map(() => undefined);
  const stageOf = (index: number) => stages.indexOf(sources[index]?.stage ?? 'fallback');
  return new Promise<Discovery>((resolve) => {
    let finished = false;
    let stage = -1;
    const finish = () => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      controller.abort();
      resolve(summarise(sources, outcomes, options, performance.now() - started));
    };
    const begin = (index: number) => {
      const source = sources[index];
      if (source === undefined) return;
      const at = performance.now();
      // A source that throws synchronously is a failure like any other.
      Promise.resolve()
        .then(() => source.find(controller.signal))
        .then(
          (finding) => settle(index, { finding }, at),
          (error: unknown) => settle(index, { error: error instanceof Error ? error.message : String(error) }, at),
        );
    };
    const settle = (index: number, outcome: Omit<Outcome, 'ms'>, at: number) => {
      if (finished) return;
      outcomes[index] = { ...outcome, ms: performance.now() - at };
      decide();
    };
    /** Stops at the first source (by priority) with brokers once all above it are done; else opens the next stage. */
    const decide = () => {
      if (outcomes.every((outcome) => outcome !== undefined)) return finish();
      if (options.waitForAll) return;
      for (const outcome of outcomes) {
        if (outcome === undefined) break;
        if ((outcome.finding?.brokers.length ?? 0) > 0) return finish();
      }
      const pending = outcomes.some((outcome, index) => outcome === undefined && stageOf(index) <= stage);
      if (!pending) openStage(stage + 1);
    };
    const openStage = (next: number) => {
      stage = next;
      const members = sources.map((_, index) => index).filter((index) => stageOf(index) === next);
      if (members.length === 0 && next < stages.length) return openStage(next + 1);
      members.forEach(begin);
    };
    const timer = setTimeout(finish, options.deadlineMs);
    if (options.waitForAll) {
      // The full report: every source at once, each until it finishes or the deadline.
      stage = stages.length;
      for (const index of sources.keys()) begin(index);
    } else openStage(0);
  });
}

function summarise(sources: readonly DiscoverySource[], outcomes: readonly (Outcome | undefined)[], options: DiscoverOptions, ms: number): Discovery {
  const winner = outcomes.findIndex((outcome) => (outcome?.finding?.brokers.length ?? 0) > 0);
  const xdmcp = winner === -1 ? outcomes.findIndex((outcome) => (outcome?.finding?.guests?.length ?? 0) > 0) : -1;
  const reports: SourceReport[] = sources.map((source, index) => {
    const outcome = outcomes[index];
    const base = { name: source.name, label: source.label };
    if (outcome === undefined) {
      const decided = winner !== -1 && index > winner;
      return {
        ...base,
        status: decided ? 'not-needed' : 'timed-out',
        brokers: [],
        guests: 0,
        detail: decided ? 'a source above it already found a broker' : `no answer within ${options.deadlineMs} ms (config key discovery_timeout)`,
        ms: Math.round(ms),
      };
    }
    const round = Math.round(outcome.ms * 10) / 10;
    if (outcome.error !== undefined) return { ...base, status: 'failed', brokers: [], guests: 0, detail: outcome.error, ms: round };
    const finding = outcome.finding ?? { brokers: [], detail: '' };
    return {
      ...base,
      status: found(outcome) ? 'found' : 'nothing',
      brokers: finding.brokers,
      guests: finding.guests?.length ?? 0,
      detail: finding.detail,
      ms: round,
    };
  });
  for (const off of options.off ?? []) reports.push({ ...off, status: 'off', brokers: [], guests: 0, detail: 'not in discovery_sources', ms: 0 });
  const order = options.order;
  if (order !== undefined) reports.sort((a, b) => order.indexOf(a.name) - order.indexOf(b.name));
  return {
    brokers: winner === -1 ? [] : (outcomes[winner]?.finding?.brokers ?? []),
    xdmcpGuests: xdmcp === -1 ? [] : (outcomes[xdmcp]?.finding?.guests ?? []),
    chosen: winner !== -1 ? sources[winner]?.name : xdmcp !== -1 ? sources[xdmcp]?.name : undefined,
    reports,
    ms: Math.round(ms * 10) / 10,
  };
}
