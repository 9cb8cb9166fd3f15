// vdd-broker entry point: the reference broker. Serves --catalog (and the domains of --libvirt)
// over HTTP(S) (protocol v1), probes the guests, issues one-time VNC passwords, keeps client
// reports; stops cleanly on SIGTERM/SIGINT.
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
import { SessionIssuer } from './session-issuer.ts';

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
        });
  await libvirt?.start();
  const sessions = new SessionIssuer(store, { passwordTtlMs: options.passwordTtlMs, log, hypervisor: libvirt });
  const {
    intake,
    admin,
    close: closeAdmin,
  } = setUpReportsAndAdmin({ ...options, secure: options.tls !== undefined }, store, log, (mac, guestId) => sessions.sessionOver(mac, guestId));
  const handler = apiHandler({ store, sessions, reports: intake, admin, log });
  const server = options.tls
    ? createHttpsServer({ cert: readFileSync(options.tls.cert), key: readFileSync(options.tls.key) }, handler)
    : createHttpServer(handler);
  // Bounds for slow or idle clients.
  server.headersTimeout = 10_000;
  server.requestTimeout = 15_000;
  server.keepAliveTimeout = 5_000;
  await listen(server, options);
  const probes =
    options.probeIntervalMs > 0 ? new GuestProbes(store, { intervalMs: options.probeIntervalMs, timeoutMs: options.probeTimeoutMs, log }) : undefined;
  store.watch();
  probes?.start();
  const scheme = options.tls ? 'https' : 'http';
  const host = options.host.includes(':') ? `[${options.host}]` : options.host;
  log(`serving ${store.guests.length} guests from ${options.catalog} on ${scheme}://${host}:${options.port}/`);

  const signal = await new Promise<NodeJS.Signals>((resolve) => {
    for (const name of ['SIGTERM', 'SIGINT'] as const) process.once(name, () => resolve(name));
  });
  log(`${signal}: stopping`);
  store.close();
  libvirt?.close();
  await probes?.stop();
  sessions.close();
  closeAdmin();
  server.close();
  server.closeAllConnections();
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
