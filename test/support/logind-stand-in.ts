// A recording stand-in for logind's Manager on a private D-Bus system bus: the launcher's power
// actions (menu P, update restarts) reach it through dbus-next as they would reach logind.
import dbus from 'dbus-next';
import type { Children } from './children.ts';
import { startPrivateSystemBus } from './private-bus.ts';

class Login1Manager extends dbus.interface.Interface {
  calls: string[] = [];
  Reboot(interactive: boolean): void {
    this.calls.push(`Reboot(${interactive})`);
  }
  PowerOff(interactive: boolean): void {
    this.calls.push(`PowerOff(${interactive})`);
  }
}
Login1Manager.configureMembers({ methods: { Reboot: { inSignature: 'b', outSignature: '' }, PowerOff: { inSignature: 'b', outSignature: '' } } });

export type LogindStandIn = {
  /** For DBUS_SYSTEM_BUS_ADDRESS. */
  readonly busAddress: string;
  /** The calls so far, e.g. "Reboot(false)"; assign [] to start counting again. */
  readonly manager: { calls: string[] };
  readonly disconnect: () => void;
};

/** Starts a private system bus (a child of the test) in dir and owns org.freedesktop.login1 on it. */
export async function startLogindStandIn(children: Children, dir: string): Promise<LogindStandIn> {
  const bus = await startPrivateSystemBus(children, dir);
  const connection = dbus.sessionBus({ busAddress: bus.address });
  const manager = new Login1Manager('org.freedesktop.login1.Manager');
  connection.export('/org/freedesktop/login1', manager);
  await connection.requestName('org.freedesktop.login1', 0);
  return { busAddress: bus.address, manager, disconnect: () => connection.disconnect() };
}
