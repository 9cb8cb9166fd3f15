// How a session ended, in words for the person at the PC: classifies the exit of the X server,
// Xnest or vncviewer (which exits 0 even when it failed, so its stderr decides) and the probe
// that runs first. Pure.
import { stripControls } from '../../common/text/terminal-safe.ts';
import { clockTime } from '../broker-client/guest-use.ts';
import type { ProcessExit } from './session-process.ts';
import type { PlannedProcess } from './session-plan.ts';

export type FailureCode =
  | 'auth-failed'
  | 'refused'
  | 'unreachable'
  | 'connection-lost'
  | 'unwilling'
  | 'no-answer'
  | 'x-server-failed'
  | 'viewer-failed'
  | 'missing-program'
  | 'not-started'
  | 'in-use'
  | 'refused-by-broker'
  | 'lease-ended';

export type SessionFailure = {
  readonly code: FailureCode;
  readonly title: string;
  readonly text: string;
  /** Worth trying again (after a pause): the guest may come back; a wrong password will not fix itself. */
  readonly reconnect: boolean;
  /** What the process said, for the log (never shown as the title). */
  readonly detail: string;
};

export type SessionEnd = { readonly kind: 'ended' } | { readonly kind: 'failed'; readonly failure: SessionFailure };

/** A guest as failures name it; a guest the broker starts may have no address yet. */
export type GuestLabel = { readonly name: string; readonly host?: string | undefined; readonly port?: number | undefined };

export function failure(code: FailureCode, guest: GuestLabel, detail: string): SessionFailure {
  const where = guest.host === undefined ? 'its address' : `${guest.host} port ${guest.port ?? '?'}`;
  const texts: Record<FailureCode, [string, string, boolean]> = {
    'auth-failed': [`${guest.name}: wrong password`, 'The desktop refused the password. Ask the administrator to check the password for this desktop.', false],
    refused: [`${guest.name} is not accepting connections`, `Nothing answers on ${where}. The desktop may still be starting, or it is switched off.`, true],
    unreachable: [
      `${guest.name} cannot be reached`,
      `${guest.host ?? 'It'} cannot be reached from this PC. Check the network cable, or ask the administrator.`,
      true,
    ],
    'connection-lost': [`The connection to ${guest.name} was lost`, 'The desktop closed the connection or the network dropped it.', true],
    unwilling: [`${guest.name} does not accept this PC`, `The display manager on ${guest.host ?? 'the desktop'} said: ${detail}`, false],
    'no-answer': [`${guest.name} does not answer`, `No answer from ${where}. The desktop may be switched off or still starting.`, true],
    // The X server's own words: "Unable to open display", "Server is already active"... are what a technician needs at the PC.
    'x-server-failed': [
      `The display for ${guest.name} could not be started`,
      `The X server stopped (${shortDetail(detail)}). The administrator finds its other messages in the launcher log.`,
      false,
    ],
    'viewer-failed': [`${guest.name} could not be shown`, 'The VNC viewer stopped. The administrator can find its messages in the launcher log.', true],
    'missing-program': [`${guest.name} cannot be started on this PC`, `This image lacks a program the session needs: ${detail}.`, false],
    // The broker's reason ("guest X could not be started", "the host vmhost2 does not answer"): never another desktop instead.
    'not-started': [`${guest.name} could not be started`, `The broker said: ${shortDetail(detail)}.`, true],
    'in-use': [`${guest.name} is in use`, `${shortDetail(detail)} Choose another desktop, or try again later.`, false],
    'refused-by-broker': [`${guest.name} cannot be started from this PC`, `The broker said: ${shortDetail(detail)}`, false],
    'lease-ended': [`The session on ${guest.name} was ended`, `The broker ended it: ${shortDetail(detail)}`, false],
  };
  const [title, text, reconnect] = texts[code];
  return { code, title, text, reconnect, detail: stripControls(detail).trim().slice(0, 2000) };
}

/** The broker said no to a session request: in use (with who and since when), not allowed, or why it cannot. */
export function refusedByBroker(
  guest: GuestLabel,
  status: number,
  error: {
    readonly code: string;
    readonly message: string;
    readonly by?: string | undefined;
    readonly since?: string | undefined;
    readonly freeAt?: string | undefined;
  },
): SessionFailure {
  // Not this PC's to have (not allowed, or too many requests): the broker's words, no reconnect offer.
  if (error.code === 'forbidden' || error.code === 'unauthorized' || error.code === 'too-many')
    return { ...failure('refused-by-broker', guest, error.message), reconnect: status === 429 };
  if (error.code !== 'in-use') return failure('not-started', guest, error.message);
  const who = `${error.by} has been using it${error.since === undefined ? '' : ` since ${clockTime(error.since)}`}.`;
  if (error.by !== undefined) return failure('in-use', guest, who);
  // A pool: how many desktops are taken, and when one is expected free if the broker can tell.
  const taken = error.message.replace(/;.*$/, '');
  const expected = error.freeAt !== undefined ? ` One is expected free at ${clockTime(error.freeAt)}.` : '';
  return failure('in-use', guest, `${taken.charAt(0).toUpperCase()}${taken.slice(1)}.${expected}`);
}

/** vncviewer's stderr lines that mean the session failed (it exits 0 either way). */
const viewerErrors: readonly [RegExp, FailureCode][] = [
  [/Authentication fail|authentication failed|Security type not supported|No matching security types/i, 'auth-failed'],
  [/unable to connect to socket: Connection refused/i, 'refused'],
  [/unable to connect to socket: (No route to host|Network is unreachable|Connection timed out)|unable to resolve host/i, 'unreachable'],
  [/End of stream|Connection reset by peer|Broken pipe|read: .*\(\d+\)/i, 'connection-lost'],
];

/** The end of the session, from the process that ended it. */
export function classifyExit(planned: PlannedProcess, exit: ProcessExit, stderr: string, guest: GuestLabel): SessionEnd {
  if (exit.error) {
    const detail = exit.error.code === 'ENOENT' ? `${planned.command} (not found in PATH)` : `${planned.command}: ${exit.error.message}`;
    return {
      kind: 'failed',
      failure: failure(exit.error.code === 'ENOENT' ? 'missing-program' : planned.role === 'viewer' ? 'viewer-failed' : 'x-server-failed', guest, detail),
    };
  }
  const last = lastLines(stderr);
  if (planned.role === 'viewer') {
    for (const [pattern, code] of viewerErrors) {
      const line = stderr.split('\n').findLast((candidate) => pattern.test(candidate));
      if (line) return { kind: 'failed', failure: failure(code, guest, line.trim()) };
    }
    // The user left the viewer (F8, Exit viewer) or closed its window; or it was told to stop
    // (it exits 1 after "Termination signal 15 has been received").
    if (exit.code === 0 || /Termination signal \d+ has been received/.test(stderr)) return { kind: 'ended' };
    return { kind: 'failed', failure: failure('viewer-failed', guest, `${describeExit(exit)}: ${last}`) };
  }
  // X with -once exits 0 (or on SIGTERM from its reset) when the user logs out of the XDMCP session.
  const xdmcpFatal = /XDMCP fatal error: (.*)/.exec(stderr);
  if (xdmcpFatal)
    return {
      kind: 'failed',
      failure: failure(
        /unwilling|declined|refused|not authorized/i.test(xdmcpFatal[1] ?? '') ? 'unwilling' : 'connection-lost',
        guest,
        (xdmcpFatal[1] ?? '').trim(),
      ),
    };
  if (exit.code === 0) return { kind: 'ended' };
  if (/Cannot open display|Unable to open display|cannot connect to/i.test(stderr)) return { kind: 'failed', failure: failure('x-server-failed', guest, last) };
  return { kind: 'failed', failure: failure('x-server-failed', guest, `${describeExit(exit)}: ${xorgFatalReason(stderr) ?? last}`) };
}

/**
 * The reason Xorg gives after "Fatal server error:" (e.g. "no screens found"); its last lines are
 * a footer that points at the support site and the log file, which a person at the PC cannot use.
 */
function xorgFatalReason(stderr: string): string | undefined {
  // Xorg marks lines with "(EE)" at the start, and sometimes glues the next marker to the end.
  const lines = stderr.split('\n').map((line) => line.replace(/^\(EE\)\s*|\(EE\)\s*$/g, '').trim());
  const heading = lines.indexOf('Fatal server error:');
  if (heading === -1) return undefined;
  return lines.slice(heading + 1).find((line) => line !== '');
}

/** One bounded line of a process's words for the menu (the full text goes to the log). */
function shortDetail(detail: string): string {
  const line = stripControls(detail).replace(/\s+/g, ' ').trim();
  return line.length > 240 ? `${line.slice(0, 239)}…` : line;
}

export function describeExit(exit: ProcessExit): string {
  return exit.signal ? `killed by ${exit.signal}` : `exit status ${exit.code ?? '?'}`;
}

function lastLines(text: string, count = 3): string {
  return (
    text
      .split('\n')
      // Xorg's "(EE)" markers and its bare "Fatal server error:" heading say nothing a person can act on.
      .map((line) => line.replace(/^\(EE\)\s*/, '').trim())
      .filter((line) => line !== '' && line !== 'Fatal server error:')
      .slice(-count)
      .join(' / ')
  );
}
