// Everything between "this guest" and a runnable plan: the client profile (hardware read lazily),
// the broker's session request (starts the guest, may move it, gives a one-time VNC password and
// the lease that makes the desktop this PC's, or says why not), the password file from config,
// the plan itself and the probe. Shared by `connect` and the menu.
// Reads config keys cache_dir, vnc_password_file, broker_timeout, broker_ca (and the plan's keys).
import { closeSync, openSync, readSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ClientInfo, Guest, SessionAnswer } from '../../common/protocol/broker-protocol.ts';
import { brokerSettings } from '../broker-client/broker-settings.ts';
import { endLease, type LeaseHandle } from '../broker-client/lease-client.ts';
import { BrokerError } from '../broker-client/http-request.ts';
import { requestSession, SessionRefused } from '../broker-client/session-request.ts';
import type { LoadedConfig } from '../config/load.ts';
import { clientFacts } from '../profile/client-facts.ts';
import type { HardwareFacts } from '../profile/hardware-facts.ts';
import { sessionParameters } from '../profile/session-parameters.ts';
import { scrambleVncPassword } from '../../common/vnc/vnc-des.ts';
import { planSession, PlanError } from './plan-session.ts';
import { probeGuest, type ProbeVerdict } from './probe-guest.ts';
import { failure, refusedByBroker, type SessionFailure } from './session-end.ts';
import type { PasswordSource, SessionPlan } from './session-plan.ts';

/** How long a guest the broker reports as starting may take to answer its first probe. */
const startingGuestWaitMs = 90_000;

export type PreparedSession = {
  readonly plan: SessionPlan;
  readonly facts: HardwareFacts | undefined;
  /** vncpasswd-format bytes; the caller fills it with zeros when done. */
  readonly scrambledPassword: Buffer | undefined;
  /** The probe's verdict: settled before the session for XDMCP and starting guests; for VNC it starts
   * on the first call, which the runner makes once the first process is spawned, and runs alongside
   * (the runner stops the viewer if it fails first), so it costs no time. */
  readonly probe: (() => Promise<ProbeVerdict>) | undefined;
  /** The session's lease, to keep alive while it runs and end after. */
  readonly lease: LeaseHandle | undefined;
};

/** What the broker said to a session request. */
export type BrokerReply =
  | { readonly kind: 'answer'; readonly answer: SessionAnswer; readonly lease: LeaseHandle | undefined }
  /** A static broker: no session service, the catalog's word stands. */
  | { readonly kind: 'none' }
  | { readonly kind: 'offline'; readonly reason: string }
  | { readonly kind: 'refused'; readonly refusal: SessionRefused };

export type PrepareOptions = {
  /** The broker the guest's catalog came from; absent for guests given as a URI. */
  readonly broker?: string | undefined;
  /** Its answer, when the caller already asked (askBroker); else it is asked here. */
  readonly brokerAnswer?: Promise<BrokerReply> | undefined;
  /** Plan only: no session request, no password read, no probe. */
  readonly dryRun?: boolean;
  readonly log?: (line: string) => void;
};

export type Prepared = { readonly ok: true; readonly session: PreparedSession } | { readonly ok: false; readonly failure: SessionFailure };

/** Where a session's private files live (X authority, the unlinked password file). */
export function sessionRuntimeDir(loaded: LoadedConfig): string {
  return join(loaded.config.cache_dir, 'session');
}

export async function prepareSession(
  catalogGuest: Guest,
  loaded: LoadedConfig,
  env: Readonly<Record<string, string | undefined>>,
  options: PrepareOptions = {},
): Promise<Prepared> {
  const { config } = loaded;
  const log = options.log ?? (() => {});
  const facts = await warmUpClientProfile(log);
  let guest = catalogGuest;
  let scrambledPassword: Buffer | undefined;
  let password: PasswordSource = 'none';
  let lease: LeaseHandle | undefined;
  if (options.broker && !options.dryRun) {
    const reply = await (options.brokerAnswer ?? askBroker(options.broker, guest, loaded, log));
    if (reply.kind === 'refused') return { ok: false, failure: refusedByBroker(guest, reply.refusal.status, reply.refusal.error) };
    // A desktop the broker hands out by lease is never connected to without one: it may be someone else's.
    if (reply.kind === 'offline' && guest.use !== undefined)
      return {
        ok: false,
        failure: { ...failure('no-answer', guest, reply.reason), text: `The broker cannot be reached (${reply.reason}); it hands out this desktop.` },
      };
    if (reply.kind === 'answer') {
      const { answer } = reply;
      lease = reply.lease;
      guest = { ...guest, host: answer.host, port: answer.port, state: answer.state };
      if (answer.password !== undefined) {
        scrambledPassword = scrambleVncPassword(answer.password);
        password = 'broker';
      }
    }
  } else if (options.broker && guest.protocol === 'vnc' && guest.auth === 'vnc-password') {
    password = 'broker';
  }
  if (password === 'none' && guest.protocol === 'vnc' && config.vnc_password_file !== '') {
    password = 'vnc_password_file';
    if (!options.dryRun) {
      try {
        scrambledPassword = readPasswordFile(config.vnc_password_file);
      } catch (error) {
        return {
          ok: false,
          failure: failure('auth-failed', guest, `vnc_password_file ${config.vnc_password_file}: ${error instanceof Error ? error.message : String(error)}`),
        };
      }
    }
  }
  let plan: SessionPlan;
  try {
    plan = planSession({ guest, parameters: sessionParameters(facts, config), config, env, runtimeDir: sessionRuntimeDir(loaded), password });
  } catch (error) {
    if (!(error instanceof PlanError)) throw error;
    return { ok: false, failure: { ...failure('x-server-failed', guest, error.message), text: error.message } };
  }
  if (options.dryRun) return { ok: true, session: { plan, facts, scrambledPassword: undefined, probe: undefined, lease: undefined } };
  if (plan.guest.protocol === 'vnc' && guest.state !== 'starting') {
    let probe: Promise<ProbeVerdict> | undefined;
    const startProbe = () => {
      probe ??= probeGuest(plan).then((verdict) => {
        if (verdict.ok) log(`session: ${plan.guest.host} port ${plan.guest.port}: ${verdict.summary} (${verdict.rttMs.toFixed(1)} ms)`);
        return verdict;
      });
      return probe;
    };
    return { ok: true, session: { plan, facts, scrambledPassword, probe: startProbe, lease } };
  }
  let verdict = await probeGuest(plan);
  // A guest the broker is still starting gets time to come up: its VNC or XDMCP port opens late.
  // On the monotonic clock: NTP may set the wall clock while the guest boots.
  const bootDeadline = performance.now() + startingGuestWaitMs;
  while (!verdict.ok && guest.state === 'starting' && verdict.failure.reconnect && performance.now() < bootDeadline) {
    await sleep(1000);
    verdict = await probeGuest(plan);
  }
  if (!verdict.ok) {
    scrambledPassword?.fill(0);
    if (lease) void endLease(lease, requestOptions(loaded));
    return verdict;
  }
  log(`session: ${plan.guest.host} port ${plan.guest.port}: ${verdict.summary} (${verdict.rttMs.toFixed(1)} ms)`);
  const settled = Promise.resolve(verdict);
  return { ok: true, session: { plan, facts, scrambledPassword, probe: () => settled, lease } };
}

/** Who this PC is, as it tells the broker. */
export function clientInfo(loaded: LoadedConfig): ClientInfo {
  return { mac: loaded.identity.macs[0] ?? '00:00:00:00:00:00', hostname: loaded.identity.hostname, ips: [...loaded.identity.ips].slice(0, 16) };
}

export function requestOptions(loaded: LoadedConfig): { timeoutMs: number; caFile: string } {
  const settings = brokerSettings(loaded.config);
  return { timeoutMs: settings.timeoutMs, caFile: settings.caFile };
}

/** Asks the broker to make the guest ready (start it, say where it is, give a one-time password
 * and a lease). An offline broker (the menu shows its cached catalog) must not keep people from a
 * guest that is up: for a guest it does not hand out by lease the catalog's address is used then. */
export async function askBroker(broker: string, guest: Guest, loaded: LoadedConfig, log: (line: string) => void): Promise<BrokerReply> {
  const client = clientInfo(loaded);
  try {
    const answer = await requestSession(broker, guest.id, client, requestOptions(loaded));
    if (answer === undefined) return { kind: 'none' };
    return { kind: 'answer', answer, lease: answer.lease === undefined ? undefined : { broker, lease: answer.lease, client } };
  } catch (error) {
    if (error instanceof SessionRefused) {
      log(`session: the broker refused: ${error.message}`);
      return { kind: 'refused', refusal: error };
    }
    const reason = error instanceof BrokerError ? error.reason : String(error);
    log(`session: the broker could not prepare the session (${error instanceof Error ? error.message : String(error)})`);
    return { kind: 'offline', reason };
  }
}

/** Starts reading the client profile now (e.g. after the menu's first frame), so a session start does not wait for it. */
export async function warmUpClientProfile(log: (line: string) => void = () => {}): Promise<HardwareFacts | undefined> {
  const read = await clientFacts();
  if (read.facts === undefined) log(`session: hardware unknown (${read.problem}); default session parameters`);
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
