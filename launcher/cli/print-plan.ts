// connect --dry-run: the session plan for people (one line per fact, every argument shown as a
// shell would need it, though nothing goes through a shell) or as JSON, with what exec mode would
// run; for a guest the broker starts, that its address comes from the broker at start.
import type { Guest } from '../../common/protocol/broker-protocol.ts';
import { stripControls } from '../../common/text/terminal-safe.ts';
import { execCommand } from '../session/exec-session.ts';
import { commandArguments, type SessionPlan } from '../session/session-plan.ts';
import type { Output } from './command.ts';

const addressAtStartText = 'the broker starts this guest on the session request and gives its address then; a dry run does not ask it';

/** The dry run of a guest without an address: there is nothing to plan before the broker starts it. */
export function printAddressAtStart(stdout: Output, guest: Guest, json: boolean): void {
  if (json) {
    stdout.write(
      `${JSON.stringify({ guest: { id: guest.id, name: guest.name, protocol: guest.protocol, state: guest.state }, address: 'from-broker-at-start' }, null, 2)}\n`,
    );
    return;
  }
  const lines = [`guest:      ${guest.name} (${guest.id}), ${guest.protocol}, ${guest.state}`, `address:    ${addressAtStartText}`];
  stdout.write(`${lines.map(stripControls).join('\n')}\n`);
}

export type PlanPrinting = {
  readonly execReason: string | undefined;
  readonly runtimeDir: string;
  readonly json: boolean;
  /** The broker starts the guest: the address in the plan is the catalog's, the session answer's may differ. */
  readonly addressAtStart: boolean;
};

export function printPlan(stdout: Output, plan: SessionPlan, { execReason, runtimeDir, json, addressAtStart }: PlanPrinting): void {
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
    stdout.write(
      `${JSON.stringify({ ...plan, ...(addressAtStart ? { address: 'from-broker-at-start' } : {}), exec: execReason ? { reason: execReason, ...exec } : null }, null, 2)}\n`,
    );
    return;
  }
  const lines = [
    `guest:      ${plan.guest.name} (${plan.guest.id}), ${plan.guest.protocol} ${plan.guest.host} port ${plan.guest.port}`,
    ...(addressAtStart ? [`address:    ${addressAtStartText} (the catalog's may not be it)`] : []),
    `mode:       ${plan.mode}${plan.vt === undefined ? '' : ` on VT ${plan.vt}`}, display ${describeDisplay(plan)}`,
    `probe:      ${plan.probe.protocol === 'xdmcp' ? 'XDMCP Query' : 'RFB handshake'} to ${plan.probe.host} port ${plan.probe.port}, ${plan.probe.timeoutMs} ms`,
    `password:   ${plan.password === 'none' ? 'none' : `from ${plan.password === 'broker' ? "the broker's one-time answer" : 'vnc_password_file'}, on an unlinked file (fd 3)`}`,
    ...plan.processes.flatMap((process) => [
      `${process.role.padEnd(10)}: ${[process.command, ...commandArguments(process)].map(shellWord).join(' ')}`,
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
