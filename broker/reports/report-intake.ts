// POST /v1/clients/{mac}/report: checks the body (the protocol's schema, bounded), files it in the
// report store and appends it to the --reports file. A PC may report once a second at most
// (429 too-many with Retry-After beyond that); refused reports are counted with the last reason,
// so the admin page shows a PC that keeps sending nonsense.
import type { IncomingMessage } from 'node:http';
import { bodyLimits, minReportIntervalMs, reportSchema } from '../../common/protocol/broker-protocol.ts';
import { HttpProblem, readJsonBody } from '../http-body.ts';
import type { Log } from '../log.ts';
import type { ReportFile } from './report-file.ts';
import type { ReportStore, StoredSession } from './report-store.ts';

export type Refusal = { readonly at: number; readonly from: string; readonly mac: string; readonly reason: string };

export class ReportIntake {
  readonly store: ReportStore;
  private readonly file: ReportFile | undefined;
  private readonly log: Log;
  accepted = 0;
  refused = 0;
  lastRefusal: Refusal | undefined;
  private unkeptLogged = false;
  /** Why the last write to the report file failed; undefined once one works. */
  private writeFailure: string | undefined;
  /** Hears each session a report says is over, with the PC's MAC and the address the report came from. */
  private readonly sessionOver: (mac: string, session: StoredSession, from: string) => void;

  constructor(store: ReportStore, file: ReportFile | undefined, log: Log, sessionOver: (mac: string, session: StoredSession, from: string) => void = () => {}) {
    this.store = store;
    this.file = file;
    this.log = log;
    this.sessionOver = sessionOver;
  }

  async receive(request: IncomingMessage, mac: string, now: () => number = Date.now): Promise<void> {
    const from = request.socket.remoteAddress ?? 'unknown';
    try {
      const body = await readJsonBody(request, reportSchema, bodyLimits.reportBytes);
      if (body.client.mac !== mac) throw new HttpProblem(400, 'bad-request', `client.mac ${body.client.mac} is not the MAC in the path (${mac})`);
      const receivedAt = now();
      const last = this.store.pcs.get(mac)?.lastSeen;
      if (last !== undefined && receivedAt - last < minReportIntervalMs && receivedAt >= last)
        throw new HttpProblem(429, 'too-many', `one report a second at most from ${mac}`, { 'retry-after': '1' });
      // Written before it counts: a report the file could not keep is refused, and the PC sends it
      // again later (it keeps its sessions), rather than shown now and forgotten at a restart.
      if (this.file === undefined) {
        if (!this.unkeptLogged) this.log('reports are kept in memory only (no --reports file): a restart forgets them');
        this.unkeptLogged = true;
      } else {
        try {
          this.file.append({ receivedAt, from, report: body });
          this.writeFailure = undefined;
        } catch (error) {
          const problem = (error as Error).message;
          if (problem !== this.writeFailure) this.log(`reports: cannot write ${this.file.path} (${problem}); reports are refused until it can`);
          this.writeFailure = problem;
          throw new HttpProblem(503, 'unavailable', 'the broker cannot keep reports just now; send it again later', { 'retry-after': '60' }, { cause: error });
        }
      }
      const outcome = this.store.ingest(body, from, receivedAt);
      for (const session of outcome.kept) this.sessionOver(mac, session, from);
      if (outcome.sessionsMoved > 0)
        this.log(`report from ${mac} (${from}): ${outcome.sessionsMoved} sessions start in the future by its clock; filed as ending now`);
      if (outcome.sessionsTooOld > 0)
        this.log(
          `report from ${mac} (${from}): ${outcome.sessionsTooOld} sessions ended over an hour before it was sent (by its sentAt), not kept for the hour's figures`,
        );
      this.accepted++;
    } catch (error) {
      if (error instanceof HttpProblem) {
        this.refused++;
        this.lastRefusal = { at: now(), from, mac, reason: `${error.status} ${error.message}` };
      }
      throw error;
    }
  }
}
