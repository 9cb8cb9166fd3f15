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
  readonly qoe: Qoe;
};

export type SessionStatus = {
  readonly id: string;
  readonly guestId: string;
  readonly guestName: string | null;
  readonly mac: string;
  readonly hostname: string | null;
  readonly address: string;
  readonly since: string;
  readonly source: ActiveSession['source'];
  readonly endable: boolean;
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

export type PublishedListing = { readonly root: string; readonly versions: readonly ListedVersion[]; readonly problem: string | undefined };

export type StatusInputs = {
  readonly broker: { readonly id: string; readonly name: string };
  readonly guests: readonly { readonly guest: Guest; readonly state: GuestState }[];
  readonly sessions: readonly ActiveSession[];
  readonly store: ReportStore;
  readonly published: PublishedListing | undefined;
  readonly reports: { readonly accepted: number; readonly refused: number; readonly lastRefusal: Refusal | undefined };
  readonly now: number;
};

/** How many of a PC's last sessions its sparkline shows. */
export const sparklinePoints = 12;
const silentAfterMs = 60 * 60 * 1000;

function median(values: number[]): number | null {
  if (values.length === 0) return null;
  values.sort((a, b) => a - b);
  const middle = values.length >> 1;
  const value = values.length % 2 === 1 ? (values[middle] as number) : ((values[middle - 1] as number) + (values[middle] as number)) / 2;
  return Math.round(value * 10) / 10;
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
  for (const pc of store.pcs.values()) {
    const recent = store.recentSessions(pc, now);
    for (const session of recent) {
      const list = sessionsByGuest.get(session.guestId);
      if (list === undefined) sessionsByGuest.set(session.guestId, [session]);
      else list.push(session);
      allRecent.push(session);
    }
    const silent = now - pc.lastSeen > silentAfterMs;
    if (!silent) pcsSeenLastHour++;
    if (pc.image) versionCounts.set(pc.image.version, (versionCounts.get(pc.image.version) ?? 0) + 1);
    const published = pc.image === undefined || publishedSet === undefined ? null : publishedSet.has(pc.image.version);
    const qoe = qoeOf(recent);
    const problems = pcProblems(pc, published, qoe, silent, store.skewNoticeMs);
    if (problems.length > 0) pcsWithProblems++;
    const ram = pc.hardware?.ramMiB ?? pc.hardware?.ramMb;
    const cpu = pc.hardware?.cpu;
    pcs.push({
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
      onGuest: onGuest.get(pc.mac) ?? null,
      qoe,
      recentFirstFramesMs: recent.slice(-sparklinePoints).map((session) => session.firstFrameMs ?? null),
      problems,
    });
  }
  pcs.sort((a, b) => (a.hostname ?? a.mac).localeCompare(b.hostname ?? b.mac) || a.mac.localeCompare(b.mac));
  for (const session of inputs.sessions) running.set(session.guestId, (running.get(session.guestId) ?? 0) + 1);
  const guests: GuestStatus[] = inputs.guests.map(({ guest, state }) => ({
    id: guest.id,
    name: guest.name,
    os: guest.os,
    protocol: guest.protocol,
    state,
    inUse: running.get(guest.id) ?? 0,
    qoe: qoeOf(sessionsByGuest.get(guest.id) ?? []),
  }));
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
      source: session.source,
      endable: session.endable,
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
