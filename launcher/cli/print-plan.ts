// connect --dry-run: the session plan for people (one line per fact, every argument shown as a
// shell would need it, though nothing goes through a shell) or as JSON, with what exec mode would run.
import { stripControls } from '../../common/text/terminal-safe.ts';
import { execCommand } from '../session/exec-session.ts';
import { commandArguments, type SessionPlan } from '../session/session-plan.ts';
import type { Output } from './command.ts';

export function printPlan(stdout: Output, plan: SessionPlan, execReason: string | undefined, runtimeDir: string, json: boolean): void {
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
