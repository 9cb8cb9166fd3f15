// Restarts or turns off the PC for the unprivileged launcher: logind over D-Bus first (it
// decides whether the seat's user may), then the image's root-owned request FIFO (busybox init
// has no logind), then the system's own reboot/poweroff commands.
import { execFile } from 'node:child_process';
import { closeSync, constants, openSync, writeSync } from 'node:fs';
import { callSystemBus } from './system-bus.ts';

/** Read by /usr/lib/vdd/power-requests, which init runs as root; writable by group vdd only. */
export const powerRequestFifo = '/run/vdd/power';

export type PowerAction = 'reboot' | 'poweroff';

const logindMethod: Record<PowerAction, string> = { reboot: 'Reboot', poweroff: 'PowerOff' };

export type PowerResult = { readonly via: 'logind' | 'fifo' | 'command'; readonly detail: string };

export async function requestPower(action: PowerAction, env: Readonly<Record<string, string | undefined>>, fifo = powerRequestFifo): Promise<PowerResult> {
  let logindError: string;
  let fifoError: string;
  try {
    await callSystemBus(
      {
        destination: 'org.freedesktop.login1',
        path: '/org/freedesktop/login1',
        interface: 'org.freedesktop.login1.Manager',
        member: logindMethod[action],
        signature: 'b',
        body: [false],
      },
      env,
      5000,
    );
    return { via: 'logind', detail: `org.freedesktop.login1.Manager.${logindMethod[action]}` };
  } catch (error) {
    logindError = (error as Error).message;
  }
  try {
    writeRequest(fifo, action);
    return { via: 'fifo', detail: fifo };
  } catch (error) {
    fifoError = (error as NodeJS.ErrnoException).code === 'ENXIO' ? 'nobody reads it' : (error as Error).message;
  }
  try {
    await runCommand(action, env);
    return { via: 'command', detail: action };
  } catch (error) {
    const what = action === 'reboot' ? 'restart' : 'turn off';
    throw new Error(`could not ${what} the computer: logind: ${logindError}; ${fifo}: ${fifoError}; ${action}: ${(error as Error).message}`, { cause: error });
  }
}

/** Non-blocking open: with no reader behind the FIFO this fails at once (ENXIO) instead of hanging. */
function writeRequest(fifo: string, action: PowerAction): void {
  const fd = openSync(fifo, constants.O_WRONLY | constants.O_NONBLOCK);
  try {
    writeSync(fd, `${action}\n`);
  } finally {
    closeSync(fd);
  }
}

function runCommand(command: PowerAction, env: Readonly<Record<string, string | undefined>>): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(command, [], { timeout: 10_000, env: { ...env } }, (error, _stdout, stderr) => {
      if (error) reject(new Error(stderr.trim().split('\n')[0] || error.message, { cause: error }));
      else resolve();
    });
  });
}
