// What the PCs told the broker, kept in memory for the admin status: per PC its latest facts
// (identity, image version, update state, fitness verdict, a few hardware facts, when and from
// where it last reported) and the sessions it reported in the last hour, with their QoE figures.
// Pure data and bounded: at most maxPcs PCs (the longest silent ones go first), at most
// maxSessionsPerPc sessions each, nothing older than the window. Client clocks are not trusted:
// session times are moved by the difference between the report's sentAt and its arrival, and a
// session that would still start in the future is placed at the arrival. The report file
// (report-file.ts) is what survives a restart; this is rebuilt from it.
import type { ClientReport, FitnessVerdict, ReportSession } from '../../common/protocol/broker-protocol.ts';

export const reportStoreLimits = {
  maxPcs: 20_000,
  maxSessionsPerPc: 50,
  windowMs: 60 * 60 * 1000,
  /** A clock this far off (either way) is worth a line on the page; less is ordinary drift. */
  skewNoticeMs: 60_000,
} as const;

export type StoredSession = {
  readonly guestId: string;
  readonly protocol: ReportSession['protocol'];
  /** Epoch ms, on the broker's clock. */
  readonly startedAt: number;
  readonly seconds: number;
  readonly outcome: ReportSession['outcome'];
  readonly reason: string | undefined;
  readonly rttMs: number | undefined;
  readonly firstFrameMs: number | undefined;
};

export type PcRecord = {
  readonly mac: string;
  hostname: string | undefined;
  ips: readonly string[];
  /** The address the last report came from. */
  address: string;
  launcherVersion: string | undefined;
  image: { readonly name: string | undefined; readonly version: string } | undefined;
  update: ClientReport['update'];
  fitness: FitnessVerdict | undefined;
  /** A few hardware entries worth a column: cpu, RAM. */
  hardware: ClientReport['hardware'];
  /** Epoch ms on the broker's clock. */
  lastSeen: number;
  /** Report clock minus broker clock at the last report that said (sentAt). */
  clockSkewMs: number | undefined;
  sessions: StoredSession[];
  /** The store's generation when this record last changed. */
  revision: number;
};

export type IngestOutcome = { readonly kept: readonly StoredSession[]; readonly sessionsMoved: number; readonly sessionsTooOld: number };

export class ReportStore {
  readonly pcs = new Map<string, PcRecord>();
  private readonly limits: { readonly [key in keyof typeof reportStoreLimits]: number };
  /** Bumped on every change; the status cache compares it. */
  generation = 0;
  private readonly listeners: Array<(mac: string) => void> = [];

  constructor(limits: { readonly [key in keyof typeof reportStoreLimits]?: number } = {}) {
    this.limits = { ...reportStoreLimits, ...limits };
  }

  onChange(listener: (mac: string) => void): void {
    this.listeners.push(listener);
  }

  /** Files one report that arrived at receivedAt (epoch ms) from address. */
  ingest(report: ClientReport, from: string, receivedAt: number): IngestOutcome {
    const mac = report.client.mac;
    let pc = this.pcs.get(mac);
    if (pc === undefined) {
      this.evictIfFull();
      pc = {
        mac,
        hostname: undefined,
        ips: [],
        address: from,
        launcherVersion: undefined,
        image: undefined,
        update: undefined,
        fitness: undefined,
        hardware: undefined,
        lastSeen: receivedAt,
        clockSkewMs: undefined,
        sessions: [],
        revision: 0,
      };
    } else {
      // Map order is the eviction order: the most recently heard PC goes last.
      this.pcs.delete(mac);
    }
    this.pcs.set(mac, pc);
    if (report.client.hostname !== undefined && report.client.hostname !== '') pc.hostname = report.client.hostname;
    if (report.client.ips !== undefined) pc.ips = report.client.ips;
    pc.address = from;
    pc.lastSeen = Math.max(pc.lastSeen, receivedAt);
    if (report.launcherVersion !== undefined) pc.launcherVersion = report.launcherVersion;
    if (report.image !== undefined) pc.image = { name: report.image.name, version: report.image.version };
    if (report.update !== undefined) pc.update = report.update;
    const fitness = report.fitness ?? verdictOf(report.hardware);
    if (fitness !== undefined) pc.fitness = fitness;
    if (report.hardware !== undefined) pc.hardware = report.hardware;
    const sentAt = report.sentAt === undefined ? undefined : Date.parse(report.sentAt);
    const skew = sentAt === undefined ? undefined : sentAt - receivedAt;
    if (skew !== undefined) pc.clockSkewMs = skew;
    const kept: StoredSession[] = [];
    let sessionsMoved = 0;
    let sessionsTooOld = 0;
    for (const session of report.sessions ?? []) {
      let startedAt = Math.round(Date.parse(session.startedAt) - (skew ?? 0));
      // Still in the future: a clock the report did not own up to (no sentAt). It ended by now.
      if (startedAt + session.seconds * 1000 > receivedAt + this.limits.skewNoticeMs) {
        startedAt = Math.round(receivedAt - session.seconds * 1000);
        sessionsMoved++;
      }
      if (startedAt < receivedAt - this.limits.windowMs) {
        // Long sessions that began before the hour are not the hour's; one that also ended
        // before it is news from another time: a clock that changed, or a report that lies.
        if (startedAt + session.seconds * 1000 < receivedAt - this.limits.windowMs) sessionsTooOld++;
        continue;
      }
      // A report sent again after a lost answer carries the same sessions.
      if (pc.sessions.some((kept) => kept.guestId === session.guestId && kept.startedAt === startedAt)) continue;
      const stored: StoredSession = {
        guestId: session.guestId,
        protocol: session.protocol,
        startedAt,
        seconds: session.seconds,
        outcome: session.outcome,
        reason: session.reason,
        rttMs: session.rttMs,
        firstFrameMs: session.firstFrameMs,
      };
      pc.sessions.push(stored);
      kept.push(stored);
    }
    if (kept.length > 0) {
      pc.sessions.sort((a, b) => a.startedAt - b.startedAt);
      if (pc.sessions.length > this.limits.maxSessionsPerPc) pc.sessions.splice(0, pc.sessions.length - this.limits.maxSessionsPerPc);
    }
    pc.revision = ++this.generation;
    for (const listener of this.listeners) listener(mac);
    return { kept, sessionsMoved, sessionsTooOld };
  }

  /** Sessions of the last window (by the broker's clock) of one PC. */
  recentSessions(pc: PcRecord, now: number): readonly StoredSession[] {
    const since = now - this.limits.windowMs;
    return pc.sessions.filter((session) => session.startedAt >= since);
  }

  get windowMs(): number {
    return this.limits.windowMs;
  }

  get skewNoticeMs(): number {
    return this.limits.skewNoticeMs;
  }

  /** One report per PC that brings its record back (facts and the last window's sessions): what a
   * new report file starts with, so a restart after a rotation loses no PC. */
  snapshot(now: number): Array<{ readonly receivedAt: number; readonly from: string; readonly report: ClientReport }> {
    return [...this.pcs.values()].map((pc) => ({
      receivedAt: pc.lastSeen,
      from: pc.address,
      report: {
        client: { mac: pc.mac, ...(pc.hostname === undefined ? {} : { hostname: pc.hostname }), ips: [...pc.ips] },
        ...(pc.launcherVersion === undefined ? {} : { launcherVersion: pc.launcherVersion }),
        ...(pc.image === undefined ? {} : { image: pc.image.name === undefined ? { version: pc.image.version } : { ...pc.image } }),
        ...(pc.update === undefined ? {} : { update: pc.update }),
        ...(pc.fitness === undefined ? {} : { fitness: pc.fitness }),
        ...(pc.hardware === undefined ? {} : { hardware: pc.hardware }),
        // Times are the broker's already: no sentAt, so they are not moved again.
        sessions: this.recentSessions(pc, now).map((session) => ({
          guestId: session.guestId,
          protocol: session.protocol,
          startedAt: new Date(session.startedAt).toISOString(),
          seconds: session.seconds,
          outcome: session.outcome,
          ...(session.reason === undefined ? {} : { reason: session.reason }),
          ...(session.rttMs === undefined ? {} : { rttMs: session.rttMs }),
          ...(session.firstFrameMs === undefined ? {} : { firstFrameMs: session.firstFrameMs }),
        })),
      },
    }));
  }

  private evictIfFull(): void {
    if (this.pcs.size < this.limits.maxPcs) return;
    const oldest = this.pcs.keys().next().value;
    if (oldest !== undefined) this.pcs.delete(oldest);
  }
}

/** `vdd-launcher report --upload` sends the verdict as a hardware entry. */
function verdictOf(hardware: ClientReport['hardware']): FitnessVerdict | undefined {
  const verdict = hardware?.verdict;
  return verdict === 'fit' || verdict === 'fit-with-limits' || verdict === 'unfit' ? verdict : undefined;
}
