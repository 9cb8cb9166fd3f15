// The session plan: exact argv, environments and files for console and nested XDMCP and VNC.
import { describe, expect, it } from 'vitest';
import type { AddressedGuest } from '../../../common/protocol/broker-protocol.ts';
import { defaultConfig } from '../../../common/launcher-config/keys.ts';
import { sessionParameters } from '../../../launcher/profile/session-parameters.ts';
import { planSession, PlanError, type PlanInput } from '../../../launcher/session/plan-session.ts';
import { execCommand } from '../../../launcher/session/exec-session.ts';
import { commandArguments } from '../../../launcher/session/session-plan.ts';

const config = defaultConfig();
const xdmcp: AddressedGuest = { id: 'debian', name: 'Debian 12', os: 'Debian', protocol: 'xdmcp', host: '10.0.0.5', port: 177, state: 'running' };
const vnc: AddressedGuest = {
  id: 'win',
  name: 'ReactOS',
  os: 'ReactOS',
  protocol: 'vnc',
  host: '10.0.0.6',
  port: 5901,
  state: 'running',
  auth: 'vnc-password',
};

function input(guest: AddressedGuest, overrides: Partial<PlanInput> = {}): PlanInput {
  return {
    guest,
    parameters: sessionParameters(undefined, config),
    config,
    env: { PATH: '/usr/bin:/bin', HOME: '/home/vdd', LANG: 'C.UTF-8', SECRET_TOKEN: 'leak-me-not' },
    runtimeDir: '/run/vdd/session',
    password: 'none',
    ...overrides,
  };
}

describe('planSession', () => {
  it('plans X -query on the console with the lockdown options and no inherited secrets', () => {
    const plan = planSession(input(xdmcp));
    expect(plan).toMatchObject({ mode: 'console', display: 0, vt: 7, files: [], password: 'none' });
    expect(plan.processes).toEqual([
      {
        role: 'x-server',
        command: 'X',
        args: [':0', 'vt7', '-query', '10.0.0.5', '-once', '-noreset', '-nolisten', 'unix', '-nolisten', 'local', '-depth', '24'],
        env: { PATH: '/usr/bin:/bin', HOME: '/home/vdd', LANG: 'C.UTF-8' },
        displayFd: 3,
      },
    ]);
    expect(commandArguments(plan.processes[0]!).slice(0, 4)).toEqual(['-displayfd', '3', ':0', 'vt7']);
    expect(plan.probe).toEqual({ protocol: 'xdmcp', host: '10.0.0.5', port: 177, timeoutMs: 3000 });
  });

  it('passes a non-standard XDMCP port and the configured VT', () => {
    const plan = planSession(input({ ...xdmcp, port: 1177 }, { config: { ...config, session_vt: 2 } }));
    expect(plan.processes[0]?.args.slice(0, 6)).toEqual([':0', 'vt2', '-query', '10.0.0.5', '-port', '1177']);
  });

  it('plans Xnest inside DISPLAY when it is set, on the first free display', () => {
    const plan = planSession(input(xdmcp, { env: { PATH: '/usr/bin', DISPLAY: ':5', XAUTHORITY: '/home/u/.Xauthority' } }));
    expect(plan).toMatchObject({ mode: 'nested', display: 'first-free', vt: undefined });
    expect(plan.processes[0]).toEqual({
      role: 'x-server',
      command: 'Xnest',
      args: ['-query', '10.0.0.5', '-once', '-geometry', '1024x768', '-name', 'VDD: Debian 12', '-nolisten', 'unix', '-nolisten', 'local'],
      env: { PATH: '/usr/bin', DISPLAY: ':5', XAUTHORITY: '/home/u/.Xauthority' },
      displayFd: 3,
    });
  });

  it('plans an X server with a fresh X authority plus vncviewer for VNC on the console; the password only as fd 3', () => {
    const plan = planSession(input(vnc, { password: 'broker' }));
    expect(plan.files).toEqual([{ path: '/run/vdd/session/xauthority-0', mode: 0o600, purpose: 'x-authority' }]);
    const [server, viewer] = plan.processes;
    expect(server?.args).toEqual([':0', 'vt7', '-auth', '/run/vdd/session/xauthority-0', '-terminate', '10', '-nolisten', 'tcp', '-depth', '24']);
    expect(viewer).toEqual({
      role: 'viewer',
      command: 'vncviewer',
      args: ['-FullScreen', '-AlertOnFatalError=0', '-ReconnectOnError=0', '-Shared=0', '10.0.0.6::5901'],
      env: { PATH: '/usr/bin:/bin', HOME: '/home/vdd', LANG: 'C.UTF-8', DISPLAY: ':0', XAUTHORITY: '/run/vdd/session/xauthority-0' },
      passwordFd: 3,
    });
    expect(commandArguments(viewer!)).toEqual(['-passwd=/dev/fd/3', ...viewer!.args]);
    expect(commandArguments(server!)).toEqual(['-displayfd', '3', ...server!.args]);
  });

  it('runs only vncviewer in DISPLAY when nested, with the profile options', () => {
    const parameters = {
      ...sessionParameters(undefined, config),
      vnc: { encoding: 'Tight' as const, quality: 3, compression: 9, jpeg: true, depth: 8 as const },
    };
    const plan = planSession(input({ ...vnc, host: 'fe80::1', auth: 'none' }, { env: { DISPLAY: ':1' }, parameters }));
    expect(plan).toMatchObject({ mode: 'nested', display: 'outer', files: [] });
    expect(plan.processes).toHaveLength(1);
    expect(plan.processes[0]?.args).toEqual([
      '-FullScreen',
      '-AlertOnFatalError=0',
      '-ReconnectOnError=0',
      '-Shared=0',
      '-AutoSelect=0',
      '-PreferredEncoding=Tight',
      '-CustomCompressLevel=1',
      '-CompressLevel=9',
      '-QualityLevel=3',
      '-FullColor=0',
      '-LowColorLevel=2',
      '[fe80::1]::5901',
    ]);
    expect(plan.processes[0]?.env).toEqual({ PATH: '/usr/local/bin:/usr/bin:/bin', DISPLAY: ':1' });
  });

  it('sets a configured resolution with xrandr after the console X server is up', () => {
    const withSize = { ...config, x_resolution: '800x600' };
    const plan = planSession(input(vnc, { config: withSize, parameters: sessionParameters(undefined, withSize) }));
    expect(plan.processes.map((process) => process.role)).toEqual(['x-server', 'x-setup', 'viewer']);
    expect(plan.processes[1]).toMatchObject({ command: 'xrandr', args: ['-s', '800x600'] });
  });

  it('refuses nested mode without DISPLAY, and a DISPLAY that is not a display name', () => {
    expect(() => planSession(input(vnc, { config: { ...config, session_display: 'nested' } }))).toThrow(PlanError);
    expect(() => planSession(input(vnc, { env: { DISPLAY: ':0; rm -rf /' } }))).toThrow(/not a display name/);
  });

  it('honours session_display=console even when DISPLAY is set', () => {
    expect(planSession(input(xdmcp, { env: { DISPLAY: ':3' }, config: { ...config, session_display: 'console' } })).mode).toBe('console');
  });
});

describe('execCommand', () => {
  const lookup = (command: string) => `/usr/bin/${command}`;

  it('execs X -query directly, without the -displayfd nobody would read', () => {
    const command = execCommand(planSession(input(xdmcp)), '/run/vdd/session', lookup);
    expect(command.file).toBe('/usr/bin/X');
    expect(command.argv).toEqual(['X', ':0', 'vt7', '-query', '10.0.0.5', '-once', '-noreset', '-nolisten', 'unix', '-nolisten', 'local', '-depth', '24']);
    expect(command.fifo).toBeUndefined();
  });

  it('execs xinit with the viewer as client and X as server for console VNC, the password through a FIFO', () => {
    const command = execCommand(planSession(input(vnc, { password: 'broker' })), '/run/vdd/session', lookup);
    expect(command.file).toBe('/usr/bin/xinit');
    expect(command.argv).toEqual([
      'xinit',
      '/usr/bin/vncviewer',
      '-passwd=/run/vdd/session/vnc-password.fifo',
      '-FullScreen',
      '-AlertOnFatalError=0',
      '-ReconnectOnError=0',
      '-Shared=0',
      '10.0.0.6::5901',
      '--',
      '/usr/bin/X',
      ':0',
      'vt7',
      '-auth',
      '/run/vdd/session/xauthority-0',
      '-terminate',
      '10',
      '-nolisten',
      'tcp',
      '-depth',
      '24',
    ]);
    expect(command.env).toEqual({ PATH: '/usr/bin:/bin', HOME: '/home/vdd', LANG: 'C.UTF-8', XAUTHORITY: '/run/vdd/session/xauthority-0' });
    expect(command.fifo).toBe('/run/vdd/session/vnc-password.fifo');
  });
});
