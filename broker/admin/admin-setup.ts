// Puts the report intake and the admin's resources together for vdd-broker: the report store
// rebuilt from the --reports file (FILE.1, then FILE), the active sessions (the leases), the status service, its events and the routes behind
// the admin credential. Reads options reports, admin-token-file and published-root.
import type { CatalogStore } from '../catalog-store.ts';
import type { AdminApi } from '../http-api.ts';
import type { Log } from '../log.ts';
import { ReportFile } from '../reports/report-file.ts';
import { ReportIntake } from '../reports/report-intake.ts';
import { ReportStore } from '../reports/report-store.ts';
import type { SessionService } from '../sessions/session-service.ts';
import { seatsOf } from '../sessions/menu-entries.ts';
import { LeaseSessions } from './active-sessions.ts';
import { clientAddress } from '../access/allow-list.ts';
import { AdminCredential } from './admin-credential.ts';
import { AdminEvents } from './admin-events.ts';
import { adminHandler, isAdminPath } from './admin-routes.ts';
import { AdminStatusService } from './admin-service.ts';

export type AdminOptions = {
  readonly reports: string | undefined;
  readonly adminTokenFile: string | undefined;
  readonly publishedRoot: string | undefined;
  readonly secure: boolean;
};

export type ReportsAndAdmin = { readonly intake: ReportIntake; readonly admin: AdminApi; close(): void };

/**
 * Throws AdminTokenError when the token file is unusable: the broker does not start half-protected.
 * Each session a PC reports as over ends that PC's lease on the guest (from the lease's address
 * only), so a reset: after-session guest is made fresh at once.
 */
export function setUpReportsAndAdmin(options: AdminOptions, catalog: CatalogStore, leases: SessionService, log: Log): ReportsAndAdmin {
  const credential = options.adminTokenFile === undefined ? undefined : AdminCredential.fromFile(options.adminTokenFile);
  const store = new ReportStore();
  const file = options.reports === undefined ? undefined : new ReportFile(options.reports, () => store.snapshot(Date.now()));
  if (file !== undefined) {
    const started = performance.now();
    const summary = file.replay((line) => store.ingest(line.report, line.from, line.receivedAt));
    log(
      `reports: ${store.pcs.size} PCs from ${summary.lines} lines of ${file.path}(.1) in ${Math.round(performance.now() - started)} ms` +
        (summary.bad > 0 ? `; ${summary.bad} bad lines skipped, the first: ${summary.firstProblem}` : ''),
    );
  }
  const sessions = new LeaseSessions(leases);
  const intake = new ReportIntake(store, file, log, (mac, session, from) => leases.reportedOver(session.guestId, mac, clientAddress(from)));
  const service = new AdminStatusService({
    catalogStamp: () => catalog.catalog().etag,
    catalogBody: () => catalog.catalog().body,
    guests: () =>
      catalog.guests.map((desktop) => ({
        guest: desktop.guest,
        state: catalog.stateOf(desktop.guest.id) ?? desktop.guest.state,
        seats: seatsOf(desktop),
        pool: desktop.backend.pool,
      })),
    sessions,
    intake,
    publishedRoot: options.publishedRoot,
  });
  const events = new AdminEvents(service);
  const handle = adminHandler({ credential, service, events, sessions, log, secure: options.secure });
  return {
    intake,
    admin: { handles: isAdminPath, handle },
    close: () => events.close(),
  };
}
