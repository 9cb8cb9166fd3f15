// Keeps the admin status ready: built again only when something it shows changed (a report, a
// session, the catalog or a guest's state, the published root) or every refreshMs (the last
// hour slides), and serialised once per build, so a status request with 5,000 PCs costs a write.
// The page's sections are rendered on first use and hashed, so the page fetches only what changed.
// Reads the published root (--published-root) at most every publishedEveryMs.
import { createHash } from 'node:crypto';
import { listVersions } from '../../common/publish/published-versions.ts';
import type { ReportIntake } from '../reports/report-intake.ts';
import type { ActiveSessionSource } from './active-sessions.ts';
import { renderSection, sectionNames, type SectionName } from './admin-page.ts';
import { buildStatus, PcStatusCache, type AdminStatus, type PcStatus, type PublishedListing, type StatusGuest } from './admin-status.ts';

export type AdminSources = {
  /** The catalog's ETag: changes with the guests and their states. */
  readonly catalogStamp: () => string;
  readonly catalogBody: () => string;
  readonly guests: () => readonly StatusGuest[];
  readonly sessions: ActiveSessionSource;
  readonly intake: ReportIntake;
  readonly publishedRoot: string | undefined;
  readonly now?: () => number;
};

export type StatusSnapshot = {
  readonly status: AdminStatus;
  readonly json: Buffer;
  section(name: SectionName): { readonly html: string; readonly hash: string };
  /** {generatedAt, sections: {name: hash}}: what the page compares. */
  hashes(): string;
};

const refreshMs = 10_000;
const publishedEveryMs = 10_000;

export class AdminStatusService {
  private readonly sources: AdminSources;
  private readonly now: () => number;
  private snapshot: { stamp: string; at: number; value: StatusSnapshot } | undefined;
  private published: { at: number; listing: PublishedListing } | undefined;
  private broker: { stamp: string; value: { id: string; name: string } } | undefined;
  private readonly pcCache = new PcStatusCache();

  constructor(sources: AdminSources) {
    this.sources = sources;
    this.now = sources.now ?? Date.now;
  }

  current(): StatusSnapshot {
    const now = this.now();
    const listing = this.publishedListing(now);
    const { intake, sessions } = this.sources;
    // First: it forgets stale sessions, which changes the stamp.
    const active = sessions.list(now);
    const stamp = [
      intake.store.generation,
      sessions.generation,
      this.sources.catalogStamp(),
      listing?.versions.map((entry) => `${entry.version}${entry.current ? '*' : entry.previous ? '-' : ''}`).join(','),
      listing?.problem,
      intake.refused,
    ].join('|');
    if (this.snapshot !== undefined && this.snapshot.stamp === stamp && now - this.snapshot.at < refreshMs) return this.snapshot.value;
    const status = buildStatus({
      broker: this.brokerOf(),
      guests: this.sources.guests(),
      sessions: active,
      store: intake.store,
      published: listing,
      reports: { accepted: intake.accepted, refused: intake.refused, lastRefusal: intake.lastRefusal },
      now,
      cache: this.pcCache,
    });
    const value = snapshotOf(status);
    this.snapshot = { stamp, at: now, value };
    return value;
  }

  private brokerOf(): { id: string; name: string } {
    const stamp = this.sources.catalogStamp();
    if (this.broker?.stamp !== stamp) {
      const { broker } = JSON.parse(this.sources.catalogBody()) as { broker: { id: string; name: string } };
      this.broker = { stamp, value: { id: broker.id, name: broker.name } };
    }
    return this.broker.value;
  }

  private publishedListing(now: number): PublishedListing | undefined {
    const root = this.sources.publishedRoot;
    if (root === undefined) return undefined;
    if (this.published === undefined || now - this.published.at >= publishedEveryMs) {
      let listing: PublishedListing;
      try {
        listing = { root, versions: listVersions(root), problem: undefined };
      } catch (error) {
        // Keeps showing what it read last, and why it is not newer.
        listing = { root, versions: this.published?.listing.versions ?? [], problem: `cannot read it: ${(error as Error).message}` };
      }
      this.published = { at: now, listing };
    }
    return this.published.listing;
  }
}

/** Each PC's JSON, made once per PC status (a status is kept while the PC does not change). */
const pcJson = new WeakMap<PcStatus, string>();

/** The status as JSON, with the PCs' JSON reused: a report from one PC re-serialises one PC. */
export function statusJson(status: AdminStatus): string {
  const { pcs, ...rest } = status;
  const parts = pcs.map((pc) => {
    let json = pcJson.get(pc);
    if (json === undefined) {
      json = JSON.stringify(pc);
      pcJson.set(pc, json);
    }
    return json;
  });
  return `${JSON.stringify(rest).slice(0, -1)},"pcs":[${parts.join(',')}]}`;
}

function snapshotOf(status: AdminStatus): StatusSnapshot {
  const sections = new Map<SectionName, { html: string; hash: string }>();
  const section = (name: SectionName) => {
    let rendered = sections.get(name);
    if (rendered === undefined) {
      const html = renderSection(name, status);
      rendered = { html, hash: createHash('sha1').update(html).digest('base64url').slice(0, 16) };
      sections.set(name, rendered);
    }
    return rendered;
  };
  let hashes: string | undefined;
  return {
    status,
    json: Buffer.from(statusJson(status)),
    section,
    hashes() {
      hashes ??= JSON.stringify({ generatedAt: status.generatedAt, sections: Object.fromEntries(sectionNames.map((name) => [name, section(name).hash])) });
      return hashes;
    },
  };
}
