// Restarts or turns off the PC for the unprivileged launcher: logind over D-Bus first (it
// decides whether the seat's user may), then the system's own reboot/poweroff commands.
import { execFile } from 'node:child_process';
import { callSystemBus } from './system-bus.ts';

export type PowerAction = 'reboot' | 'poweroff';

const logindMethod: Record<PowerAction, string> = { reboot: 'Reboot', poweroff: 'PowerOff' };

export type PowerResult = { readonly via: 'logind' | 'command'; readonly detail: string };

export async function requestPower(action: PowerAction, env: Readonly<Record<string, string | undefined>>): Promise<PowerResult> {
  let logindError: string;
  try {
    await callSystemBus(
      { destination: 'org.freedesktop.login1', path: '/org/freedesktop/login1', interface: 'org.freedesktop.login1.Manager', member: logindMethod[action], signature: 'b', body: [false] },
      env,
      5000,
    );
    return { via: 'logind', detail: `org.freedesktop.login1.Manager.${logindMethod[action]}` };
  } catch (error) {
    logindError = (error as Error).message;
  }
  try {
    await runCommand(action);
    return { via: 'command', detail: action };
  } catch (error) {
    throw new Error(`could not ${action === 'reboot' ? 'restart' : 'turn off'} the computer: logind: ${logindError}; ${action}: ${(error as Error).message}`);
  }
}

function runCommand(command: PowerAction): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(command, [], { timeout: 10_000 }, (error, _stdout, stderr) => {
      if (error) reject(new Error(stderr.trim() || error.message));
      else resolve();
    });
  });
}
