// The admin status (GET /v1/admin/status, and what the /admin/ page shows) built from what the
// broker knows: the guests and their live state, the active sessions, every PC that reported and
// the QoE of its sessions in the last hour, the published versions and how many PCs run each.
// Pure: the same inputs give the same status. docs/broker-protocol.md describes the document.
import type { FitnessVerdict, Guest, GuestState, UpdateState } from '../../common/protocol/broker-protocol.ts';
import type { ListedVersion } from '../../common/publish/published-versions.ts';
import type { Refusal } from '../reports/report-intake.ts';
import type { PcRecord, ReportStore, StoredSession } from '../reports/report-store.ts';
import type { ActiveSession } from './active-sessions.ts';

/** QoE of a set of sessions: Enter -> first remote frame (median and worst), round trip (median). */
export type Qoe = {
  readonly sessions: number;
  readonly failed: number;
  readonly firstFrameMedianMs: number | null;
  readonly firstFrameWorstMs: number | null;
  readonly rttMedianMs: number | null;
};

export type GuestStatus = {
  readonly id: string;
  readonly name: string;
  readonly os: string;
  readonly protocol: Guest['protocol'];
  readonly state: GuestState;
  /** Sessions on it now. */
  readonly inUse: number;
  /** How many PCs may be on it at once (1 for a VNC console); null: no limit (XDMCP logins). */
  readonly seats: number | null;
  /** The pool it is a desktop of, or null. */
  readonly pool: string | null;
  readonly qoe: Qoe;
};

/** A pool: how many of its desktops are taken. */
export type PoolStatus = { readonly id: string; readonly desktops: number; readonly inUse: number };

export type SessionStatus = {
  readonly id: string;
  readonly guestId: string;
  readonly guestName: string | null;
  readonly mac: string;
  readonly hostname: string | null;
  readonly address: string;
  readonly since: string;
};

export type PcStatus = {
  readonly mac: string;
  readonly hostname: string | null;
  readonly address: string;
  readonly ips: readonly string[];
  readonly launcherVersion: string | null;
  /** published: the version is in the published root (null: no --published-root to compare with). */
  readonly image: { readonly name: string | null; readonly version: string; readonly published: boolean | null } | null;
  readonly update: { readonly state: UpdateState; readonly version: string | null; readonly reason: string | null; readonly percent: number | null } | null;
  readonly fitness: FitnessVerdict | null;
  readonly cpu: string | null;
  readonly ramMiB: number | null;
  readonly lastSeen: string;
  readonly clockSkewMs: number | null;
  /** The guest it is on now, from the active sessions. */
  readonly onGuest: string | null;
  readonly qoe: Qoe;
  /** Enter -> first frame of its last sessions, oldest first (null: not measured): the sparkline. */
  readonly recentFirstFramesMs: readonly (number | null)[];
  /** Sentences for the admin: what needs a look. */
  readonly problems: readonly string[];
};

export type VersionStatus = ListedVersion & { readonly pcs: number };

export type AdminStatus = {
  readonly version: 1;
  readonly generatedAt: string;
  readonly broker: { readonly id: string; readonly name: string };
  readonly totals: {
    readonly guests: number;
    readonly guestsRunning: number;
    readonly sessions: number;
    readonly pcs: number;
    readonly pcsSeenLastHour: number;
    readonly pcsWithProblems: number;
    readonly sessionsLastHour: number;
    readonly firstFrameMedianMs: number | null;
  };
  readonly guests: readonly GuestStatus[];
  readonly pools: readonly PoolStatus[];
  readonly sessions: readonly SessionStatus[];
  readonly pcs: readonly PcStatus[];
  readonly versions: {
    /** Whether the broker was given a published root; problem says why it could not be read. */
    readonly root: string | null;
    readonly problem: string | null;
    readonly published: readonly VersionStatus[];
    /** Versions PCs run that are not published (never were, or pruned since). */
    readonly unpublished: readonly { readonly version: string; readonly pcs: number }[];
  };
  readonly reports: {
    readonly accepted: number;
    readonly refused: number;
    readonly lastRefusal: { readonly at: string; readonly from: string; readonly mac: string; readonly reason: string } | null;
  };
};

/** A guest as the status takes it: with its live state, its seats (absent: no limit) and its pool. */
export type StatusGuest = { readonly guest: Guest; readonly state: GuestState; readonly seats?: number | undefined; readonly pool?: string | undefined };

export type PublishedListing = { readonly root: string; readonly versions: readonly ListedVersion[]; readonly problem: string | undefined };

export type StatusInputs = {
  readonly broker: { readonly id: string; readonly name: string };
  readonly guests: readonly StatusGuest[];
  readonly sessions: readonly ActiveSession[];
  readonly store: ReportStore;
  readonly published: PublishedListing | undefined;
  readonly reports: { readonly accepted: number; readonly refused: number; readonly lastRefusal: Refusal | undefined };
  readonly now: number;
  /** Keeps PCs' statuses between builds (the status service has one). */
  readonly cache?: PcStatusCache | undefined;
};

/** How many of a PC's last sessions its sparkline shows. */
export const sparklinePoints = 12;
const silentAfterMs = 60 * 60 * 1000;

function median(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  // A typed array sorts numerically without a comparator, several times faster for a guest's
  // thousands of sessions; a PC's few are sorted in place of a copy, cheaper than a typed array.
  const sorted = values.length > 32 ? Float64Array.from(values).sort() : insertionSorted(values);
  const middle = sorted.length >> 1;
  const value = sorted.length % 2 === 1 ? (sorted[middle] as number) : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
  return Math.round(value * 10) / 10;
}

function insertionSorted(values: readonly number[]): number[] {
  const sorted = [...values];
  for (let i = 1; i < sorted.length; i++) {
    const value = sorted[i] as number;
    let j = i - 1;
    for (; j >= 0 && (sorted[j] as number) > value; j--) sorted[j + 1] = sorted[j] as number;
    sorted[j + 1] = value;
  }
  return sorted;
}

export function qoeOf(sessions: readonly StoredSession[]): Qoe {
  const frames: number[] = [];
  const rtts: number[] = [];
  let failed = 0;
  for (const session of sessions) {
    if (session.firstFrameMs !== undefined) frames.push(session.firstFrameMs);
    if (session.rttMs !== undefined) rtts.push(session.rttMs);
    if (session.outcome !== 'ended') failed++;
  }
  const worst = frames.length === 0 ? null : Math.max(...frames);
  return { sessions: sessions.length, failed, firstFrameMedianMs: median(frames), firstFrameWorstMs: worst, rttMedianMs: median(rtts) };
}

function describeSkew(ms: number): string {
  const minutes = Math.abs(ms) / 60_000;
  const amount = minutes >= 120 ? `${Math.round(minutes / 60)} h` : `${Math.max(1, Math.round(minutes))} min`;
  return `its clock is ${amount} ${ms > 0 ? 'ahead' : 'behind'}`;
}

function pcProblems(pc: PcRecord, published: boolean | null, qoe: Qoe, silent: boolean, skewNoticeMs: number): string[] {
  const problems: string[] = [];
  if (pc.fitness === 'unfit') problems.push('unfit for a thin client (vdd-launcher report)');
  if (pc.update?.state === 'rolled-back')
    problems.push(`rolled back${pc.update.version ? ` from ${pc.update.version}` : ''}${pc.update.reason ? `: ${pc.update.reason}` : ''}`);
  if (pc.update?.state === 'failed')
    problems.push(`update${pc.update.version ? ` to ${pc.update.version}` : ''} failed${pc.update.reason ? `: ${pc.update.reason}` : ''}`);
  if (published === false && pc.image) problems.push(`runs ${pc.image.version}, which is not published`);
  if (qoe.failed > 0) problems.push(`${qoe.failed} of ${qoe.sessions} sessions in the last hour failed or dropped`);
  if (pc.clockSkewMs !== undefined && Math.abs(pc.clockSkewMs) > skewNoticeMs) problems.push(describeSkew(pc.clockSkewMs));
  if (silent) problems.push('no report for more than an hour');
  return problems;
}

type CachedPc = { readonly key: string; readonly until: number; readonly status: PcStatus; readonly sortKey: string };

/** Each PC's status as last built, kept while its record, its guest and its version's
 * publication are the same and no session leaves the hour and it does not fall silent: a report
 * from one PC then costs the rebuild of one PC's status, not 5,000. */
export class PcStatusCache {
  private readonly entries = new Map<string, CachedPc>();

  get(mac: string, key: string, now: number): CachedPc | undefined {
    const entry = this.entries.get(mac);
    return entry !== undefined && entry.key === key && now < entry.until ? entry : undefined;
  }

  set(mac: string, key: string, until: number, entry: Omit<CachedPc, 'key' | 'until'>): void {
    this.entries.set(mac, { key, until, ...entry });
  }

  /** Drops PCs the store no longer has (evicted). */
  forgetAllBut(known: ReadonlyMap<string, unknown>): void {
    if (this.entries.size <= known.size) return;
    for (const mac of this.entries.keys()) if (!known.has(mac)) this.entries.delete(mac);
  }
}

/** When a PC's status changes by time alone: a session leaves the hour, or it falls silent. */
function validUntil(pc: PcRecord, silent: boolean, since: number, now: number, windowMs: number): number {
  let until = silent ? Number.POSITIVE_INFINITY : pc.lastSeen + silentAfterMs + 1;
  for (const session of pc.sessions) if (session.startedAt >= since) until = Math.min(until, session.startedAt + windowMs);
  return Math.max(until, now + 1);
}

function pcStatus(
  pc: PcRecord,
  recent: readonly StoredSession[],
  published: boolean | null,
  onGuest: string | null,
  silent: boolean,
  skewNoticeMs: number,
): Omit<CachedPc, 'key' | 'until'> {
  const qoe = qoeOf(recent);
  const ram = pc.hardware?.ramMiB ?? pc.hardware?.ramMb;
  const cpu = pc.hardware?.cpu;
  const status: PcStatus = {
    mac: pc.mac,
    hostname: pc.hostname ?? null,
    address: pc.address,
    ips: pc.ips,
    launcherVersion: pc.launcherVersion ?? null,
    image: pc.image ? { name: pc.image.name ?? null, version: pc.image.version, published } : null,
    update: pc.update
      ? { state: pc.update.state, version: pc.update.version ?? null, reason: pc.update.reason ?? null, percent: pc.update.percent ?? null }
      : null,
    fitness: pc.fitness ?? null,
    cpu: typeof cpu === 'string' ? cpu : null,
    ramMiB: typeof ram === 'number' ? ram : null,
    lastSeen: new Date(pc.lastSeen).toISOString(),
    clockSkewMs: pc.clockSkewMs ?? null,
    onGuest,
    qoe,
    recentFirstFramesMs: recent.slice(-sparklinePoints).map((session) => session.firstFrameMs ?? null),
    problems: pcProblems(pc, published, qoe, silent, skewNoticeMs),
  };
  return { status, sortKey: `${pc.hostname ?? pc.mac}\u0000${pc.mac}` };
}

export function buildStatus(inputs: StatusInputs): AdminStatus {
  const { store, now } = inputs;
  const names = new Map(inputs.guests.map(({ guest }) => [guest.id, guest.name]));
  const publishedSet = inputs.published === undefined ? undefined : new Set(inputs.published.versions.map((entry) => entry.version));
  const onGuest = new Map(inputs.sessions.map((session) => [session.mac, session.guestId]));
  const sessionsByGuest = new Map<string, StoredSession[]>();
  const running = new Map<string, number>();
  const allRecent: StoredSession[] = [];
  const versionCounts = new Map<string, number>();
  let pcsSeenLastHour = 0;
  let pcsWithProblems = 0;
  const pcs: PcStatus[] = [];
  const since = now - store.windowMs;
  const sortKeys = new Map<PcStatus, string>();
  for (const pc of store.pcs.values()) {
    for (const session of pc.sessions) {
      if (session.startedAt < since) continue;
      const list = sessionsByGuest.get(session.guestId);
      if (list === undefined) sessionsByGuest.set(session.guestId, [session]);
      else list.push(session);
      allRecent.push(session);
    }
    const silent = now - pc.lastSeen > silentAfterMs;
    if (!silent) pcsSeenLastHour++;
    if (pc.image) versionCounts.set(pc.image.version, (versionCounts.get(pc.image.version) ?? 0) + 1);
    const published = pc.image === undefined || publishedSet === undefined ? null : publishedSet.has(pc.image.version);
    const guest = onGuest.get(pc.mac) ?? null;
    const cacheKey = `${pc.revision}|${published}|${guest}`;
    let entry: Omit<CachedPc, 'key' | 'until'> | undefined = inputs.cache?.get(pc.mac, cacheKey, now);
    if (entry === undefined) {
      const built = pcStatus(pc, store.recentSessions(pc, now), published, guest, silent, store.skewNoticeMs);
      inputs.cache?.set(pc.mac, cacheKey, validUntil(pc, silent, since, now, store.windowMs), built);
      entry = built;
    }
    if (entry.status.problems.length > 0) pcsWithProblems++;
    sortKeys.set(entry.status, entry.sortKey);
    pcs.push(entry.status);
  }
  inputs.cache?.forgetAllBut(store.pcs);
  // Code-point order of keys made once: host names are ASCII, and localeCompare costs ~10 ms for 5,000 PCs.
  pcs.sort((a, b) => {
    const [left, right] = [sortKeys.get(a) ?? '', sortKeys.get(b) ?? ''];
    return left < right ? -1 : left > right ? 1 : 0;
  });
  for (const session of inputs.sessions) running.set(session.guestId, (running.get(session.guestId) ?? 0) + 1);
  const guests: GuestStatus[] = inputs.guests.map(({ guest, state, seats, pool }) => ({
    id: guest.id,
    name: guest.name,
    os: guest.os,
    protocol: guest.protocol,
    state,
    inUse: running.get(guest.id) ?? 0,
    seats: seats ?? null,
    pool: pool ?? null,
    qoe: qoeOf(sessionsByGuest.get(guest.id) ?? []),
  }));
  const pools = new Map<string, { id: string; desktops: number; inUse: number }>();
  for (const guest of guests) {
    if (guest.pool === null) continue;
    const pool = pools.get(guest.pool) ?? { id: guest.pool, desktops: 0, inUse: 0 };
    pools.set(guest.pool, pool);
    pool.desktops++;
    if (guest.inUse > 0) pool.inUse++;
  }
  const sessions: SessionStatus[] = [...inputs.sessions]
    .sort((a, b) => a.since - b.since)
    .map((session) => ({
      id: session.id,
      guestId: session.guestId,
      guestName: names.get(session.guestId) ?? null,
      mac: session.mac,
      hostname: session.hostname ?? store.pcs.get(session.mac)?.hostname ?? null,
      address: session.address,
      since: new Date(session.since).toISOString(),
    }));
  const published = (inputs.published?.versions ?? []).map((entry) => ({ ...entry, pcs: versionCounts.get(entry.version) ?? 0 }));
  const unpublished =
    publishedSet === undefined
      ? []
      : [...versionCounts]
          .filter(([version]) => !publishedSet.has(version))
          .map(([version, count]) => ({ version, pcs: count }))
          .sort((a, b) => b.pcs - a.pcs || a.version.localeCompare(b.version));
  const refusal = inputs.reports.lastRefusal;
  return {
    version: 1,
    generatedAt: new Date(now).toISOString(),
    broker: inputs.broker,
    totals: {
      guests: guests.length,
      guestsRunning: guests.filter((guest) => guest.state === 'running').length,
      sessions: sessions.length,
      pcs: pcs.length,
      pcsSeenLastHour,
      pcsWithProblems,
      sessionsLastHour: allRecent.length,
      firstFrameMedianMs: qoeOf(allRecent).firstFrameMedianMs,
    },
    guests,
    pools: [...pools.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)),
    sessions,
    pcs,
    versions: { root: inputs.published?.root ?? null, problem: inputs.published?.problem ?? null, published, unpublished },
    reports: {
      accepted: inputs.reports.accepted,
      refused: inputs.reports.refused,
      lastRefusal: refusal ? { at: new Date(refusal.at).toISOString(), from: refusal.from, mac: refusal.mac, reason: refusal.reason } : null,
    },
  };
}
