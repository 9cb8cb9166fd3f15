// Races the discovery sources against one deadline: all start at once, and the first source in
// priority order that found brokers wins as soon as every source above it has finished. The XDMCP
// broadcast's display managers count only when no source found a broker.
import type { Guest } from '../broker/catalog-schema.ts';
import type { DiscoverySource, FoundBroker, SourceFinding, SourceName } from './discovery-source.ts';

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

type Outcome = { readonly finding?: SourceFinding; readonly error?: string; readonly ms: number };

function found(outcome: Outcome | undefined): boolean {
  return outcome?.finding !== undefined && (outcome.finding.brokers.length > 0 || (outcome.finding.guests?.length ?? 0) > 0);
}

export function discover(sources: readonly DiscoverySource[], options: DiscoverOptions): Promise<Discovery> {
  const started = performance.now();
  const controller = new AbortController();
  const outcomes: (Outcome | undefined)[] = sources.map(() => undefined);
  return new Promise<Discovery>((resolve) => {
    let finished = false;
    const finish = () => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      controller.abort();
      resolve(summarise(sources, outcomes, options, performance.now() - started));
    };
    const decide = () => {
      if (outcomes.every((outcome) => outcome !== undefined)) return finish();
      if (options.waitForAll) return;
      for (const outcome of outcomes) {
        if (outcome === undefined) return; // A better source is still looking.
        if (found(outcome) && (outcome.finding?.brokers.length ?? 0) > 0) return finish();
      }
    };
    const timer = setTimeout(finish, options.deadlineMs);
    sources.forEach((source, index) => {
      const begin = performance.now();
      const settle = (outcome: Omit<Outcome, 'ms'>) => {
        if (finished) return;
        outcomes[index] = { ...outcome, ms: performance.now() - begin };
        decide();
      };
      // A source that throws synchronously is a failure like any other.
      Promise.resolve()
        .then(() => source.find(controller.signal))
        .then(
          (finding) => settle({ finding }),
          (error: unknown) => settle({ error: error instanceof Error ? error.message : String(error) }),
        );
    });
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
      return { ...base, status: decided ? 'not-needed' : 'timed-out', brokers: [], guests: 0, detail: decided ? 'a source above it already found a broker' : `no answer within ${options.deadlineMs} ms (config key discovery_timeout)`, ms: Math.round(ms) };
    }
    const round = Math.round(outcome.ms * 10) / 10;
    if (outcome.error !== undefined) return { ...base, status: 'failed', brokers: [], guests: 0, detail: outcome.error, ms: round };
    const finding = outcome.finding ?? { brokers: [], detail: '' };
    return { ...base, status: found(outcome) ? 'found' : 'nothing', brokers: finding.brokers, guests: finding.guests?.length ?? 0, detail: finding.detail, ms: round };
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
