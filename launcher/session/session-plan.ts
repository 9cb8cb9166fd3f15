// What a session is, as data: every process with its arguments, the descriptors it is handed and
// its whole environment, the files it needs, the display and VT. Built by plan-session.ts, printed by `connect --dry-run`, started
// by run-session.ts or exec-session.ts. Never holds a secret: only where a password comes from.
import type { SessionProtocol } from '../../common/protocol/broker-protocol.ts';
import type { SessionParameters } from '../profile/session-parameters.ts';

export type PlannedProcess = {
  readonly role: 'x-server' | 'x-setup' | 'viewer';
  /** A program name looked up in PATH, or an absolute path. */
  readonly command: string;
  /** Its arguments, without the descriptors it is handed (commandArguments adds those). */
  readonly args: readonly string[];
  /** The process's whole environment: nothing else is inherited from the launcher. */
  readonly env: Readonly<Record<string, string>>;
  /** The X server writes its display number here once it accepts clients (-displayfd N). */
  readonly displayFd?: number;
  /** vncviewer reads the scrambled password from this descriptor (-passwd=/dev/fd/N). */
  readonly passwordFd?: number;
};

/** How a process gets its descriptors: supervised, as open descriptors; in exec mode nobody is
 * left to read the X server's display number, and the password comes through a FIFO (no
 * descriptor of the launcher survives execve). */
export type HandOver = { readonly displayFd: boolean; readonly passwordPath: string | undefined };

/** The process's whole argument list: how it is handed its descriptors, then its arguments. */
export function commandArguments(process: PlannedProcess, handOver?: HandOver): string[] {
  const { displayFd, passwordFd } = process;
  const given = handOver ?? { displayFd: true, passwordPath: passwordFd === undefined ? undefined : `/dev/fd/${passwordFd}` };
  return [
    ...(given.displayFd && displayFd !== undefined ? ['-displayfd', String(displayFd)] : []),
    ...(passwordFd !== undefined && given.passwordPath !== undefined ? [`-passwd=${given.passwordPath}`] : []),
    ...process.args,
  ];
}

export type PlannedFile = {
  readonly path: string;
  readonly mode: number;
  /** x-authority: a fresh MIT-MAGIC-COOKIE-1 for the console X server and its viewer; removed when the session ends. */
  readonly purpose: 'x-authority';
};

export type PasswordSource = 'none' | 'broker' | 'vnc_password_file';

export type SessionPlan = {
  readonly guest: { readonly id: string; readonly name: string; readonly protocol: SessionProtocol; readonly host: string; readonly port: number };
  /** console: an X server of our own on a VT; nested: inside the DISPLAY the launcher runs in. */
  readonly mode: 'console' | 'nested';
  /** The session's X display number, or "first-free" when the X server picks one (-displayfd). */
  readonly display: number | 'first-free' | 'outer';
  readonly vt: number | undefined;
  /** Asked before anything starts, so a dead guest gives a reason instead of a black screen. */
  readonly probe: { readonly protocol: SessionProtocol; readonly host: string; readonly port: number; readonly timeoutMs: number };
  readonly password: PasswordSource;
  readonly processes: readonly PlannedProcess[];
  readonly files: readonly PlannedFile[];
  readonly parameters: SessionParameters;
};
