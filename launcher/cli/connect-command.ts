// vdd-launcher connect ID|URI: starts one session without the menu. ID is a guest of the broker's
// catalog; vnc://HOST[:PORT] or xdmcp://HOST[:PORT] names a guest directly (no broker needed).
// --dry-run prints the plan; --exec (or little RAM) replaces the launcher with the session.
import { brokerSettings } from '../broker-client/broker-settings.ts';
import { CatalogKeeper } from '../broker-client/catalog-keeper.ts';
import type { Guest } from '../../common/protocol/broker-protocol.ts';
import { findCatalog } from '../discovery/find-catalog.ts';
import { clientFactsReader } from '../profile/client-facts.ts';
import { execModeReason } from '../session/exec-decision.ts';
import { ExecError } from '../session/exec-session.ts';
import { GuestUriError, guestFromUri, isGuestUri } from '../session/guest-uri.ts';
import { hasAddress, prepareSession, sessionRuntimeDir, startedByBroker, type SessionContext } from '../session/prepare-session.ts';
import type { SessionFailure } from '../session/session-end.ts';
import { startSession } from '../session/session-starter.ts';
import { stripControls } from '../../common/text/terminal-safe.ts';
import type { CommandContext } from './command.ts';
import { exitCodes } from './exit-codes.ts';
import { printAddressAtStart, printPlan } from './print-plan.ts';

export async function runConnect({ line, stdout, stderr, config, env }: CommandContext): Promise<number> {
  const loaded = config();
  const operand = line.operands[0] as string;
  const say = (text: string) => stderr.write(`vdd-launcher connect: ${stripControls(text)}\n`);
  let guest: Guest;
  let broker: string | undefined;
  if (isGuestUri(operand)) {
    try {
      guest = guestFromUri(operand);
    } catch (error) {
      if (!(error instanceof GuestUriError)) throw error;
      say(error.message);
      return exitCodes.usage;
    }
  } else {
    const keeper = new CatalogKeeper(brokerSettings(loaded.config), (message) => say(message));
    keeper.loadCache();
    const { state } = await findCatalog(keeper, loaded, env);
    if (state.catalog === undefined) {
      say(`no broker answered and no catalog is cached, so guest "${operand}" cannot be looked up; name it as vnc://HOST:PORT or xdmcp://HOST instead`);
      return exitCodes.noBroker;
    }
    const found = state.catalog.guests.find((candidate) => candidate.id === operand);
    if (!found) {
      say(
        `no guest "${operand}" in the catalog of ${state.broker ?? 'the broker'}; guests: ${state.catalog.guests.map((candidate) => candidate.id).join(', ') || 'none'}`,
      );
      return exitCodes.noSuchGuest;
    }
    guest = found;
    broker = state.online && state.broker?.startsWith('http') ? state.broker : undefined;
  }

  const log = loaded.config.log_level === 'debug' || loaded.config.log_level === 'info' ? say : () => {};
  const context: SessionContext = { loaded, env, clientFacts: clientFactsReader(), log };
  const execAsked = line.options.exec === true;
  if (line.options['dry-run'] === true) {
    // A guest the broker starts is wherever the hypervisor puts it: only the session answer says.
    const addressAtStart = startedByBroker(guest) && guest.state !== 'running';
    if (!hasAddress(guest)) {
      printAddressAtStart(stdout, guest, line.options.json === true);
      return exitCodes.ok;
    }
    const prepared = await prepareSession(guest, context, { broker, dryRun: true });
    if (!prepared.ok) return failed(say, prepared.failure);
    const execReason = execModeReason(prepared.session.facts, loaded.config, { asked: execAsked });
    printPlan(stdout, prepared.session.plan, { execReason, runtimeDir: sessionRuntimeDir(loaded), json: line.options.json === true, addressAtStart });
    return exitCodes.ok;
  }
  const abort = new AbortController();
  const stop = () => abort.abort();
  const signals = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
  for (const signal of signals) process.on(signal, stop);
  try {
    const failure = await startSession(guest, context, { broker, execAsked, started: log, progress: log, signal: abort.signal });
    return failure === undefined ? exitCodes.ok : failed(say, failure);
  } catch (error) {
    if (!(error instanceof ExecError)) throw error;
    say(error.message);
    return exitCodes.sessionFailed;
  } finally {
    for (const signal of signals) process.removeListener(signal, stop);
  }
}

function failed(say: (text: string) => void, failure: SessionFailure): number {
  say(`${failure.title}: ${failure.text}${failure.detail && !failure.text.includes(failure.detail) ? ` (${failure.detail})` : ''}`);
  return exitCodes.sessionFailed;
}
