// Everything between "this guest" and a runnable plan: the client profile (hardware read lazily),
// the broker's session request (starts the guest, may move it, gives a one-time VNC password and
// the lease that makes the desktop this PC's, or says why not), the password file from config,
// the plan itself and its probe. Used by the session starter
// (session-starter.ts) and by `connect --dry-run`.
// Reads config keys cache_dir, vnc_password_file, broker_timeout, broker_ca (and the plan's keys).
import { closeSync, openSync, readSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { AddressedGuest, ClientInfo, ErrorBody, Guest, SessionAnswer } from '../../common/protocol/broker-protocol.ts';
import { brokerSettings } from '../broker-client/broker-settings.ts';
import type { RequestOptions } from '../broker-client/catalog-fetch.ts';
import type { LeaseHandle } from '../broker-client/lease-client.ts';
import { BrokerRefusal, requestSession } from '../broker-client/session-request.ts';
import { BrokerError } from '../broker-client/http-request.ts';
import type { LoadedConfig } from '../config/load.ts';
import type { ClientFactsReader } from '../profile/client-facts.ts';
import type { HardwareFacts } from '../profile/hardware-facts.ts';
import { sessionParameters } from '../profile/session-parameters.ts';
import { scrambleVncPassword } from '../../common/vnc/vnc-des.ts';
import { planSession, PlanError } from './plan-session.ts';
import { probeGuest, type ProbeVerdict } from './probe-guest.ts';
import { failure, refusedByBroker, type SessionFailure } from './session-end.ts';
import type { PasswordSource, SessionPlan } from './session-plan.ts';

/** What starting a session needs from its owner (the menu, or a command). */
export type SessionContext = {
  readonly loaded: LoadedConfig;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** This PC's hardware facts, read once by the owner's reader. */
  readonly clientFacts: ClientFactsReader;
  readonly log: (line: string) => void;
};

/** How long a guest the broker reports as starting may take to answer its first probe. */
const startingGuestWaitMs = 90_000;

export type PreparedSession = {
  readonly plan: SessionPlan;
  readonly facts: HardwareFacts | undefined;
  /** vncpasswd-format bytes, owned by the session starter, which fills them with zeros at the end. */
  readonly scrambledPassword: Buffer | undefined;
  /** The probe's verdict, asked on the first call (later calls get the same verdict); for a guest
   * the broker is still starting, it waits for the guest to come up. */
  readonly probe: (() => Promise<ProbeVerdict>) | undefined;
  /** Its verdict is needed before the session starts: X would wait forever for a silent XDMCP
   * host, and a starting guest needs time. A running VNC guest is probed alongside the viewer's
   * start (the runner stops the viewer if the probe fails first), so it costs no time. */
  readonly probeBeforeStart: boolean;
  /** The session's lease (a broker of protocol 1.2): kept alive while the session runs, ended after. */
  readonly lease: LeaseHandle | undefined;
};

export type PrepareOptions = {
  /** The broker the guest's catalog came from; absent for guests given as a URI. */
  readonly broker?: string | undefined;
  /** Its answer, when the caller already asked (askBroker); else it is asked here. */
  readonly brokerAnswer?: Promise<SessionAnswer | undefined> | undefined;
  /** Plan only: no session request, no password read, no probe. */
  readonly dryRun?: boolean;
  /** Hears what is happening while the broker starts the guest ("Starting NAME... 3 s"). */
  readonly progress?: ((text: string) => void) | undefined;
};

export type Prepared = { readonly ok: true; readonly session: PreparedSession } | { readonly ok: false; readonly failure: SessionFailure };

/** Where a session's private files live (X authority, the unlinked password file). */
export function sessionRuntimeDir(loaded: LoadedConfig): string {
  return join(loaded.config.cache_dir, 'session');
}

export async function prepareSession(catalogGuest: Guest, context: SessionContext, options: PrepareOptions = {}): Promise<Prepared> {
  const { loaded, env, log } = context;
  const { config } = loaded;
  const facts = await hardwareFacts(context);
  let guest = catalogGuest;
  let password: PasswordSource = 'none';
  let brokerPassword: string | undefined;
  let lease: LeaseHandle | undefined;
  if (options.broker && !options.dryRun) {
    let answer: SessionAnswer | undefined;
    try {
      answer = await (options.brokerAnswer ?? askBroker(options.broker, guest, loaded, log, options.progress));
    } catch (error) {
      if (!(error instanceof SessionRefused)) throw error;
      return {
        ok: false,
        failure: error.refusal ? refusedByBroker(guest, error.refusal.status, error.refusal.error) : failure('not-started', guest, error.reason),
      };
    }
    if (answer?.lease) lease = { broker: options.broker, lease: answer.lease, client: clientInfo(loaded) };
    if (answer) {
      guest = { ...guest, host: answer.host, port: answer.port, state: answer.state };
      if (answer.password !== undefined) {
        brokerPassword = answer.password;
        password = 'broker';
      }
    }
  } else if (options.broker && guest.protocol === 'vnc' && guest.auth === 'vnc-password') {
    password = 'broker';
  }
  if (!hasAddress(guest)) return { ok: false, failure: failure('not-started', guest, 'the broker gives its address when it starts it, and gave none') };
  const addressed = guest;
  if (password === 'none' && guest.protocol === 'vnc' && config.vnc_password_file !== '') password = 'vnc_password_file';
  let plan: SessionPlan;
  try {
    plan = planSession({ guest: addressed, parameters: sessionParameters(facts, config), config, env, runtimeDir: sessionRuntimeDir(loaded), password });
  } catch (error) {
    if (!(error instanceof PlanError)) throw error;
    return { ok: false, failure: { ...failure('x-server-failed', guest, error.message), text: error.message } };
  }
  const probeBeforeStart = plan.guest.protocol !== 'vnc' || guest.state === 'starting';
  if (options.dryRun) return { ok: true, session: { plan, facts, scrambledPassword: undefined, probe: undefined, probeBeforeStart, lease: undefined } };
  // The password's bytes exist from here on: the session starter that gets them zeroes them.
  let scrambledPassword: Buffer | undefined;
  if (brokerPassword !== undefined) scrambledPassword = scrambleVncPassword(brokerPassword);
  else if (password === 'vnc_password_file') {
    try {
      scrambledPassword = readPasswordFile(config.vnc_password_file);
    } catch (error) {
      return {
        ok: false,
        failure: failure('auth-failed', guest, `vnc_password_file ${config.vnc_password_file}: ${error instanceof Error ? error.message : String(error)}`),
      };
    }
  }
  let verdict: Promise<ProbeVerdict> | undefined;
  const probe = () => (verdict ??= probeUntilUp(plan, guest.state === 'starting', log));
  return { ok: true, session: { plan, facts, scrambledPassword, probe, probeBeforeStart, lease } };
}

/** The guest's verdict; a guest the broker is still starting gets time to come up (its VNC or
 * XDMCP port opens late), on the monotonic clock: NTP may set the wall clock while it boots. */
async function probeUntilUp(plan: SessionPlan, starting: boolean, log: (line: string) => void): Promise<ProbeVerdict> {
  let verdict = await probeGuest(plan);
  const bootDeadline = performance.now() + startingGuestWaitMs;
  while (!verdict.ok && starting && verdict.failure.reconnect && performance.now() < bootDeadline) {
    await sleep(1000);
    verdict = await probeGuest(plan);
  }
  if (verdict.ok) log(`session: ${plan.guest.host} port ${plan.guest.port}: ${verdict.summary} (${verdict.rttMs.toFixed(1)} ms)`);
  return verdict;
}

/** The broker's own message of "HTTP 503: MESSAGE (code)", for people. */
function brokersWords(reason: string): string {
  return /^HTTP \d{3}: (.+) \([a-z-]+\)$/.exec(reason)?.[1] ?? reason;
}

export function hasAddress(guest: Guest): guest is AddressedGuest {
  return guest.host !== undefined && guest.port !== undefined;
}

/** The broker starts this guest on request: its answer is the only word on where the guest is. */
export function startedByBroker(guest: Guest): boolean {
  return guest.startable === true;
}

/** The broker hands this guest out by lease (it counts its sessions): only its answer makes it this PC's. */
export function leasedByBroker(guest: Guest): boolean {
  return guest.use !== undefined;
}

/** The broker said no (the guest is in use, this PC is not allowed...), or could not prepare a
 * session for a guest it starts or hands out by lease: no catalog address may stand in for its answer. */
export class SessionRefused extends Error {
  override readonly name = 'SessionRefused';
  readonly reason: string;
  /** The broker's answer, when it gave one (status and error body). */
  readonly refusal: { readonly status: number; readonly error: ErrorBody['error'] } | undefined;
  constructor(reason: string, cause?: unknown) {
    super(reason, cause === undefined ? undefined : { cause });
    this.reason = reason;
    this.refusal = cause instanceof BrokerRefusal ? { status: cause.status, error: cause.error } : undefined;
  }
}

/** Who this PC is, as it tells the broker. */
export function clientInfo(loaded: LoadedConfig): ClientInfo {
  return { mac: loaded.identity.macs[0] ?? '00:00:00:00:00:00', hostname: loaded.identity.hostname, ips: [...loaded.identity.ips].slice(0, 16) };
}

/** Timeout and CA of one broker request (config keys broker_timeout, broker_ca). */
export function requestOptions(loaded: LoadedConfig): RequestOptions {
  const settings = brokerSettings(loaded.config);
  return { timeoutMs: settings.timeoutMs, caFile: settings.caFile, clientCertificate: settings.clientCertificate };
}

/**
 * Asks the broker to make the guest ready (start it, say where it is, give a one-time password and
 * a lease). A broker that answers no (in use, not allowed) is a SessionRefused with its reason.
 * undefined when it could not be asked, for a guest it neither starts nor hands out by lease: an
 * offline broker (the menu shows its cached catalog) must not keep people from a guest that is up,
 * so the catalog's address is used then. For the others a failure is a SessionRefused too, and
 * while a stopped one starts, progress hears "Starting NAME... N s" every second (config key
 * guest_start_timeout bounds the wait).
 */
export async function askBroker(
  broker: string,
  guest: Guest,
  loaded: LoadedConfig,
  log: (line: string) => void,
  progress: (text: string) => void = () => {},
): Promise<SessionAnswer | undefined> {
  const settings = brokerSettings(loaded.config);
  const client = clientInfo(loaded);
  const starts = startedByBroker(guest);
  const timeoutMs = starts ? Math.max(settings.timeoutMs, loaded.config.guest_start_timeout * 1000) : settings.timeoutMs;
  const began = performance.now();
  const tick = () => {
    const seconds = Math.floor((performance.now() - began) / 1000);
    progress(`Starting ${guest.name}...${seconds > 0 ? ` ${seconds} s` : ''}`);
  };
  const ticker = starts && guest.state !== 'running' ? setInterval(tick, 1000) : undefined;
  if (ticker) tick();
  try {
    const answer = await requestSession(broker, guest.id, client, { timeoutMs, caFile: settings.caFile, clientCertificate: settings.clientCertificate });
    // No session service (a static catalog file): fine for a guest that is simply up, never for one whose address or seat only the broker's answer gives.
    if (answer === undefined && (starts || leasedByBroker(guest))) {
      log("session: the broker has no session service for a guest it starts or hands out by lease; not falling back to the catalog's address");
      throw new SessionRefused(`the broker cannot prepare a session on ${guest.name} (it has no session service)`);
    }
    return answer;
  } catch (error) {
    if (error instanceof SessionRefused) throw error;
    const why = error instanceof Error ? error.message : String(error);
    if (error instanceof BrokerRefusal) {
      log(`session: the broker refused: ${why}`);
      throw new SessionRefused(brokersWords(error.reason), error);
    }
    if (starts || leasedByBroker(guest)) {
      log(`session: the broker could not prepare the session (${why}); not falling back to the catalog's address`);
      throw new SessionRefused(error instanceof BrokerError ? brokersWords(error.reason) : why, error);
    }
    log(`session: the broker could not prepare the session (${why}); using the catalog's address`);
    return undefined;
  } finally {
    clearInterval(ticker);
  }
}

/** This PC's hardware facts, or undefined (logged) when they cannot be read: default session parameters then. */
export async function hardwareFacts(context: SessionContext): Promise<HardwareFacts | undefined> {
  const read = await context.clientFacts();
  if (read.facts === undefined) context.log(`session: hardware unknown (${read.problem}); default session parameters`);
  return read.facts;
}

/** The 8 scrambled bytes of a vncpasswd file (binary: not text, so not read as UTF-8). */
function readPasswordFile(path: string): Buffer {
  const fd = openSync(path, 'r');
  try {
    const bytes = Buffer.alloc(8);
    const read = readSync(fd, bytes, 0, 8, 0);
    if (read < 8) throw new Error(`${read} bytes; a vncpasswd file has 8`);
    return bytes;
  } finally {
    closeSync(fd);
  }
}
