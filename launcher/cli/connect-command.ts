// vdd-launcher connect ID|URI: starts one session without the menu. ID is a guest of the broker's
// catalog; vnc://HOST[:PORT] or xdmcp://HOST[:PORT] names a guest directly (no broker needed).
// --dry-run prints the plan; --exec (or little RAM) replaces the launcher with the session.
import { brokerSettings } from '../broker-client/broker-settings.ts';
import { CatalogKeeper } from '../broker-client/catalog-keeper.ts';
import type { Guest } from '../../common/protocol/broker-protocol.ts';
import { findCatalog } from '../discovery/find-catalog.ts';
import { execCommand, ExecError, execSession } from '../session/exec-session.ts';
import { execModeReason } from '../session/exec-decision.ts';
import { GuestUriError, guestFromUri, isGuestUri } from '../session/guest-uri.ts';
import { prepareSession, sessionRuntimeDir, type PreparedSession } from '../session/prepare-session.ts';
import { runSession } from '../session/run-session.ts';
import { runUnderLease } from '../session/session-lease.ts';
import type { SessionPlan } from '../session/session-plan.ts';
import { stripControls } from '../../common/text/terminal-safe.ts';
import type { CommandContext, Output } from './command.ts';
import { exitCodes } from './exit-codes.ts';

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

  const dryRun = line.options['dry-run'] === true;
  const log = loaded.config.log_level === 'debug' || loaded.config.log_level === 'info' ? say : () => {};
  const prepared = await prepareSession(guest, loaded, env, { broker, dryRun, log });
  if (!prepared.ok) {
    say(
      `${prepared.failure.title}: ${prepared.failure.text}${prepared.failure.detail && !prepared.failure.text.includes(prepared.failure.detail) ? ` (${prepared.failure.detail})` : ''}`,
    );
    return exitCodes.sessionFailed;
  }
  const session = prepared.session;
  const runtimeDir = sessionRuntimeDir(loaded);
  const execReason = execModeReason(line.options.exec === true, session.facts, loaded.config);
  if (dryRun) {
    printPlan(stdout, session, execReason, runtimeDir, line.options.json === true);
    return exitCodes.ok;
  }
  if (execReason) {
    log(`exec mode: ${execReason}`);
    // Nobody is left to watch a probe after execve: its verdict is needed first.
    const verdict = await session.probe?.();
    if (verdict && !verdict.ok) {
      say(`${verdict.failure.title}: ${verdict.failure.text} (${verdict.failure.detail})`);
      return exitCodes.sessionFailed;
    }
    try {
      return await execSession(session.plan, runtimeDir, session.scrambledPassword);
    } catch (error) {
      if (!(error instanceof ExecError)) throw error;
      say(error.message);
      return exitCodes.sessionFailed;
    }
  }
  const abort = new AbortController();
  const stop = () => abort.abort();
  const signals = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
  for (const signal of signals) process.on(signal, stop);
  try {
    const end = await runUnderLease(session.lease, session.plan.guest, loaded, { signal: abort.signal, log }, (signal) =>
      runSession(session.plan, {
        runtimeDir,
        scrambledPassword: session.scrambledPassword,
        log,
        signal,
        started: (text) => log(text),
        probe: session.probe,
      }),
    );
    if (end.kind === 'ended') return exitCodes.ok;
    say(`${end.failure.title}: ${end.failure.text} (${end.failure.detail})`);
    return exitCodes.sessionFailed;
  } finally {
    for (const signal of signals) process.removeListener(signal, stop);
    session.scrambledPassword?.fill(0);
  }
}

function printPlan(stdout: Output, session: PreparedSession, execReason: string | undefined, runtimeDir: string, json: boolean): void {
  const { plan } = session;
  let exec: { readonly file: string; readonly argv: readonly string[] } | { readonly error: string } | undefined;
  if (execReason) {
    try {
      const command = execCommand(plan, runtimeDir);
      exec = { file: command.file, argv: command.argv };
    } catch (error) {
      exec = { error: error instanceof Error ? error.message : String(error) };
    }
  }
  if (json) {
    stdout.write(`${JSON.stringify({ ...plan, exec: execReason ? { reason: execReason, ...exec } : null }, null, 2)}\n`);
    return;
  }
  const lines = [
    `guest:      ${plan.guest.name} (${plan.guest.id}), ${plan.guest.protocol} ${plan.guest.host} port ${plan.guest.port}`,
    `mode:       ${plan.mode}${plan.vt === undefined ? '' : ` on VT ${plan.vt}`}, display ${describeDisplay(plan)}`,
    `probe:      ${plan.probe.protocol === 'xdmcp' ? 'XDMCP Query' : 'RFB handshake'} to ${plan.probe.host} port ${plan.probe.port}, ${plan.probe.timeoutMs} ms`,
    `password:   ${plan.password === 'none' ? 'none' : `from ${plan.password === 'broker' ? "the broker's one-time answer" : 'vnc_password_file'}, on an unlinked file (fd 3)`}`,
    ...plan.processes.flatMap((process) => [
      `${process.role.padEnd(10)}: ${[process.command, ...process.args].map(shellWord).join(' ')}`,
      `${''.padEnd(10)}  env ${Object.entries(process.env)
        .map(([name, value]) => `${name}=${shellWord(value)}`)
        .join(' ')}`,
    ]),
    ...plan.files.map((file) => `file:       ${file.path} (${file.purpose}, mode ${file.mode.toString(8)}, removed when the session ends)`),
    ...plan.parameters.reasons.map((reason) => `profile:    ${reason}`),
    `exec mode:  ${execReason ? `yes, ${execReason}` : 'no (supervised: back to the caller when the session ends)'}`,
    ...(exec ? ['error' in exec ? `            cannot exec: ${exec.error}` : `            ${exec.argv.map(shellWord).join(' ')}`] : []),
  ];
  stdout.write(`${lines.map(stripControls).join('\n')}\n`);
}

function describeDisplay(plan: SessionPlan): string {
  if (plan.display === 'outer') return 'the one in DISPLAY';
  if (plan.display === 'first-free') return 'the first free one (-displayfd)';
  return `:${plan.display}`;
}

/** Shows an argument unambiguously for people; the plan itself never goes through a shell. */
function shellWord(word: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, "'\\''")}'`;
}
