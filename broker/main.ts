// vdd-broker entry point: the reference broker. Serves --catalog (and the domains of --libvirt)
// over HTTP(S) (protocol v1) to the allowed clients, probes the guests, gives each session a lease
// and a one-time ticket on its console, keeps client reports and the audit trail; stops cleanly
// on SIGTERM/SIGINT, reopens the audit log on SIGHUP.
import { readFileSync } from 'node:fs';
import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { UsageError } from '../common/cli/command-line.ts';
import { sharedExitCodes as exitCodes } from '../common/exit-codes.ts';
import { version } from '../common/version.ts';
import { CatalogFileError } from './catalog-file.ts';
import { CatalogStore } from './catalog-store.ts';
import { GuestProbes } from './guest-probes.ts';
import { LibvirtHypervisor } from './libvirt/libvirt-hypervisor.ts';
import { apiHandler } from './http-api.ts';
import { stderrLog } from './log.ts';
import { brokerHelp, parseBrokerCommandLine, type BrokerOptions } from './options.ts';
import { setUpReportsAndAdmin } from './admin/admin-setup.ts';
import { ClientGate } from './access/client-gate.ts';
import { AuditLog } from './audit-log.ts';
import type { BrokerGuest } from './catalog-file.ts';
import type { ConsoleTickets } from './consoles/console-ticket.ts';
import { PasswordFileConsole } from './consoles/password-file-console.ts';
import { QmpConsole } from './consoles/qmp-console.ts';
import { answerClientError } from './http-body.ts';
import { HypervisorConsole } from './consoles/hypervisor-console.ts';
import { LeaseFile } from './sessions/lease-file.ts';
import { SessionService } from './sessions/session-service.ts';

const log = stderrLog();

/** A broker that listens on loopback only serves clients on this machine (demos, tests). */
function isLoopback(host: string): boolean {
  return host === '::1' || host === 'localhost' || /^127\./.test(host);
}

function listen(server: Server, options: BrokerOptions): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    // A room of PCs booting at once connects together: keep a long accept queue.
    server.listen({ port: options.port, host: options.host, backlog: 4096 }, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

async function run(options: BrokerOptions): Promise<number> {
  const store = new CatalogStore(options.catalog, log);
  const leaseFile = options.leaseFile === undefined ? undefined : new LeaseFile(options.leaseFile, log);
  const savedLeases = leaseFile?.load();
  // A lease file that cannot be written would forget every lease at the next restart: say so now.
  leaseFile?.saveOrThrow(savedLeases ?? { leases: [], ended: [] });
  const libvirt =
    options.libvirt.length === 0
      ? undefined
      : new LibvirtHypervisor(options.libvirt, {
          log,
          publish: (guests) => store.setBackendGuests(guests),
          loopbackClients: isLoopback(options.host),
          refreshMs: options.probeIntervalMs > 0 ? options.probeIntervalMs : 15_000,
          startTimeoutMs: options.libvirtStartTimeoutMs,
          resetGraceMs: options.resetGraceMs,
          // Asked only after start (console events), when the session service exists.
          leased: (id) => sessions.leases.count(id) > 0,
        });
  await libvirt?.start();
  const audit = new AuditLog(options.auditLog, log);
  const passwordFiles = new PasswordFileConsole((id) => store.find(id)?.backend.passwordFile, log);
  const qmpConsoles = new QmpConsole((id) => store.find(id)?.backend.qmpSocket, log);
  const hypervisorConsoles = libvirt === undefined ? undefined : new HypervisorConsole(libvirt, log);
  const consoleOf = (desktop: BrokerGuest): ConsoleTickets | undefined => {
    if (libvirt?.owns(desktop.guest.id)) return desktop.guest.protocol === 'vnc' ? hypervisorConsoles : undefined;
    return desktop.backend.passwordFile !== undefined ? passwordFiles : desktop.backend.qmpSocket !== undefined ? qmpConsoles : undefined;
  };
  // Nothing issued before this start may still open a console.
  const ids = store.guests.map((entry) => entry.guest.id);
  passwordFiles.reset(ids);
  void qmpConsoles.reset(ids);
  const sessions = new SessionService(store, {
    ticketTtlMs: options.passwordTtlMs,
    renewMs: options.leaseRenewMs,
    graceMs: options.leaseGraceMs,
    log,
    audit: audit.record,
    hypervisor: libvirt,
    consoleOf,
    savedLeases,
    saveLeases: (saved) => leaseFile?.save(saved),
  });
  const { intake, admin, close: closeAdmin } = setUpReportsAndAdmin({ ...options, secure: options.tls !== undefined }, store, sessions, log);
  const gate = new ClientGate({ allow: options.allow, clientCertificates: options.tls?.clientCa !== undefined, limits: options.limits, audit: audit.record });
  const handler = apiHandler({ store, sessions, reports: intake, admin, gate, log });
  // Bounds for slow or idle clients: headers within 10 s, the whole request within 15 s, checked
  // every second (Node's default check runs every 30 s, which let slow headers live 15-20 s).
  const timeouts = { headersTimeout: 10_000, requestTimeout: 15_000, keepAliveTimeout: 5_000, connectionsCheckingInterval: 1000 };
  const server = options.tls
    ? createHttpsServer(
        {
          cert: readFileSync(options.tls.cert),
          key: readFileSync(options.tls.key),
          handshakeTimeout: 10_000,
          ...(options.tls.clientCa === undefined ? {} : { ca: readFileSync(options.tls.clientCa), requestCert: true, rejectUnauthorized: false }),
          ...timeouts,
        },
        handler,
      )
    : createHttpServer(timeouts, handler);
  server.on('clientError', answerClientError);
  gate.watch(server);
  // Watched before the port opens: whoever sees it open may change the file at once.
  store.watch();
  try {
    await listen(server, options);
  } catch (error) {
    store.close();
    throw error;
  }
  const probes =
    options.probeIntervalMs > 0 ? new GuestProbes(store, { intervalMs: options.probeIntervalMs, timeoutMs: options.probeTimeoutMs, log }) : undefined;
  probes?.start();
  const scheme = options.tls ? 'https' : 'http';
  const host = options.host.includes(':') ? `[${options.host}]` : options.host;
  log(`serving ${store.guests.length} guests from ${options.catalog} on ${scheme}://${host}:${options.port}/`);
  log(
    `clients allowed from ${options.allow.networks.join(', ')}${options.tls?.clientCa ? ` with a certificate signed by ${options.tls.clientCa}` : ''}${
      options.allow.loopbackOnly ? ' (loopback only: give --allow CIDR for the thin clients)' : ''
    }`,
  );
  process.on('SIGHUP', () => audit.reopen());

  const signal = await new Promise<NodeJS.Signals>((resolve) => {
    for (const name of ['SIGTERM', 'SIGINT'] as const) process.once(name, () => resolve(name));
  });
  log(`${signal}: stopping`);
  store.close();
  libvirt?.close();
  await probes?.stop();
  await sessions.close([passwordFiles, qmpConsoles, ...(hypervisorConsoles ? [hypervisorConsoles] : [])]);
  closeAdmin();
  server.close();
  server.closeAllConnections();
  audit.close();
  return exitCodes.ok;
}

export async function main(args: readonly string[]): Promise<number> {
  try {
    const line = parseBrokerCommandLine(args);
    if (line.help) {
      process.stdout.write(brokerHelp);
      return exitCodes.ok;
    }
    if (line.version || line.options === undefined) {
      process.stdout.write(`vdd-broker ${version} (node ${process.versions.node})\n`);
      return exitCodes.ok;
    }
    return await run(line.options);
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`vdd-broker: ${error.message}\nTry 'vdd-broker --help'.\n`);
      return exitCodes.usage;
    }
    const message = error instanceof CatalogFileError ? `cannot start: ${error.message}` : `cannot start: ${(error as Error).message}`;
    log(message);
    return exitCodes.failure;
  }
}

process.exitCode = await main(process.argv.slice(2));
