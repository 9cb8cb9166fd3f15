// Turns (guest, session parameters, config, environment) into a SessionPlan: the arguments of the
// X server, Xnest or vncviewer and the descriptors each is handed, their environments and files.
// Pure: no I/O, no secrets.
// Reads config keys session_display, session_vt, session_probe_timeout, x_resolution.
import type { AddressedGuest } from '../../common/protocol/broker-protocol.ts';
import type { Config } from '../../common/launcher-config/keys.ts';
import type { SessionParameters } from '../profile/session-parameters.ts';
import type { PasswordSource, PlannedFile, PlannedProcess, SessionPlan } from './session-plan.ts';
import { vncviewerArgs } from './vncviewer-args.ts';

export type PlanConfig = Pick<Config, 'session_display' | 'session_vt' | 'session_probe_timeout' | 'x_resolution'>;

export type PlanInput = {
  readonly guest: AddressedGuest;
  readonly parameters: SessionParameters;
  readonly config: PlanConfig;
  /** The launcher's environment; only PATH, HOME, LANG, LC_ALL, TZ, DISPLAY and XAUTHORITY are used. */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** A private directory on tmpfs for the session's files (the X authority). */
  readonly runtimeDir: string;
  readonly password: PasswordSource;
};

export class PlanError extends Error {
  override readonly name = 'PlanError';
}

/** The console display: a thin client has one screen, and it is :0. */
const consoleDisplay = 0;
const displayFd = 3;
const passwordFd = 3;
const defaultPath = '/usr/local/bin:/usr/bin:/bin';
const xdmcpDefaultPort = 177;
// DISPLAY as X clients accept it: [host]:number[.screen]; anything else is refused rather than passed on.
const displayPattern = /^[A-Za-z0-9._\-/[\]]*:\d{1,5}(\.\d{1,3})?$/;

export function planSession(input: PlanInput): SessionPlan {
  const { guest, config, env } = input;
  const outer = env.DISPLAY === undefined || env.DISPLAY === '' ? undefined : env.DISPLAY;
  if (outer !== undefined && !displayPattern.test(outer)) throw new PlanError(`DISPLAY ${JSON.stringify(outer)} is not a display name like :0 or host:1.0`);
  const base = baseEnvironment(env);
  const planned: Planned = {
    input,
    base,
    common: {
      guest: { id: guest.id, name: guest.name, protocol: guest.protocol, host: guest.host, port: guest.port },
      probe: { protocol: guest.protocol, host: guest.host, port: guest.port, timeoutMs: config.session_probe_timeout },
      parameters: input.parameters,
    },
  };
  const mode = config.session_display === 'auto' ? (outer ? 'nested' : 'console') : config.session_display;
  if (mode === 'console') return guest.protocol === 'xdmcp' ? consoleXdmcp(planned) : consoleVnc(planned);
  if (outer === undefined) throw new PlanError('session_display is nested, but DISPLAY is not set: there is no display to run the session in');
  // A nested session's processes are clients of the outer display.
  const nestedEnv = { ...base, DISPLAY: outer, ...(env.XAUTHORITY ? { XAUTHORITY: env.XAUTHORITY } : {}) };
  return guest.protocol === 'xdmcp' ? nestedXdmcp(planned, nestedEnv) : nestedVnc(planned, nestedEnv);
}

/** What every kind of session is planned from. */
type Planned = {
  readonly input: PlanInput;
  readonly base: Record<string, string>;
  readonly common: Pick<SessionPlan, 'guest' | 'probe' | 'parameters'>;
};

function xdmcpQuery({ guest }: PlanInput): string[] {
  return ['-query', guest.host, ...(guest.port === xdmcpDefaultPort ? [] : ['-port', String(guest.port)]), '-once'];
}

function nestedXdmcp({ input, common }: Planned, nestedEnv: Record<string, string>): SessionPlan {
  const { resolution } = input.parameters.x;
  const geometry = resolution ? `${resolution.width}x${resolution.height}` : '1024x768';
  const xnest: PlannedProcess = {
    role: 'x-server',
    command: 'Xnest',
    // Xnest is a client of the outer display; the display manager reaches it over TCP, so local sockets stay closed.
    args: [...xdmcpQuery(input), '-geometry', geometry, '-name', `VDD: ${input.guest.name}`, '-nolisten', 'unix', '-nolisten', 'local'],
    env: nestedEnv,
    displayFd,
  };
  return { ...common, mode: 'nested', display: 'first-free', vt: undefined, password: 'none', files: [], processes: [xnest] };
}

function consoleXdmcp({ input, base, common }: Planned): SessionPlan {
  // An XDMCP display manager connects back to the X server over TCP: only the local sockets close.
  const server = consoleXServer(input, base, [...xdmcpQuery(input), ...consoleLockdown, '-nolisten', 'unix', '-nolisten', 'local']);
  return {
    ...common,
    mode: 'console',
    display: consoleDisplay,
    vt: input.config.session_vt,
    password: 'none',
    files: [],
    processes: [server, ...resolutionStep(input, base, undefined)],
  };
}

function viewer(input: PlanInput, env: Record<string, string>): PlannedProcess {
  const { guest, parameters, password } = input;
  return {
    role: 'viewer',
    command: 'vncviewer',
    args: vncviewerArgs({ host: guest.host, port: guest.port, parameters }),
    env,
    ...(password === 'none' ? {} : { passwordFd }),
  };
}

function nestedVnc({ input, common }: Planned, nestedEnv: Record<string, string>): SessionPlan {
  return { ...common, mode: 'nested', display: 'outer', vt: undefined, password: input.password, files: [], processes: [viewer(input, nestedEnv)] };
}

function consoleVnc({ input, base, common }: Planned): SessionPlan {
  const authority: PlannedFile = { path: `${input.runtimeDir}/xauthority-${consoleDisplay}`, mode: 0o600, purpose: 'x-authority' };
  // The viewer is the only client: the local socket behind a fresh cookie, no TCP.
  const server = consoleXServer(input, base, ['-auth', authority.path, ...vncConsoleLockdown, '-nolisten', 'tcp']);
  return {
    ...common,
    mode: 'console',
    display: consoleDisplay,
    vt: input.config.session_vt,
    password: input.password,
    files: [authority],
    processes: [server, ...resolutionStep(input, base, authority.path), viewer(input, { ...base, DISPLAY: `:${consoleDisplay}`, XAUTHORITY: authority.path })],
  };
}

/** X on the console display and the configured VT, at the profile's depth. */
function consoleXServer(input: PlanInput, base: Record<string, string>, args: readonly string[]): PlannedProcess {
  return {
    role: 'x-server',
    command: 'X',
    args: [`:${consoleDisplay}`, `vt${input.config.session_vt}`, ...args, '-depth', String(input.parameters.x.depth)],
    env: base,
    displayFd,
  };
}

// -noreset: the server lives exactly as long as the session. When it ends, X switches back to the
// VT it started from (the launcher's menu); with -novtswitch the PC was left on a blank VT 7.
// Ctrl-Alt-Fn and Ctrl-Alt-Backspace are off in the image's xorg.conf.d (DontVTSwitch, DontZap):
// Xorg has no command-line switch for them.
const consoleLockdown = ['-noreset'];
// A VNC session's X server ends by itself 10 s after its last client (the viewer) leaves, instead
// of -noreset: if the launcher is killed mid-session, init starts a new one on tty1, and without
// this the orphaned X would hold VT 7 with a dead screen (VT switching off) once the viewer ends.
// vncviewer opens the display as it starts, so the grace easily covers the gap after xrandr.
const vncConsoleLockdown = ['-terminate', '10'];

/** xrandr -s WxH after the X server is up, only when x_resolution asks for a size: Xorg picks the screen's preferred mode itself. */
function resolutionStep(input: PlanInput, base: Record<string, string>, authority: string | undefined): PlannedProcess[] {
  const { resolution } = input.parameters.x;
  if (!resolution || input.config.x_resolution === 'auto') return [];
  return [
    {
      role: 'x-setup',
      command: 'xrandr',
      args: ['-s', `${resolution.width}x${resolution.height}`],
      env: { ...base, DISPLAY: `:${consoleDisplay}`, ...(authority ? { XAUTHORITY: authority } : {}) },
    },
  ];
}

function baseEnvironment(env: PlanInput['env']): Record<string, string> {
  const base: Record<string, string> = { PATH: env.PATH || defaultPath };
  for (const name of ['HOME', 'LANG', 'LC_ALL', 'TZ'] as const) {
    const value = env[name];
    if (value) base[name] = value;
  }
  return base;
}
