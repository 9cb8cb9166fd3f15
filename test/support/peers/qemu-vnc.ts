// QEMU's built-in VNC server, what Xen HVM and KVM guests expose, on loopback: a tiny machine
// (TCG, no disk, SeaBIOS prints its banner) with an optional password given as a QEMU secret and
// an optional QMP socket (what vdd-broker sets one-time passwords through).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Child, Children } from '../children.ts';
import { waitForTcpPort } from '../children.ts';
import { freeVncDisplay } from './free-port.ts';

export type QemuVnc = { readonly child: Child; readonly port: number; readonly qmpSocket: string | undefined };

export async function startQemuVnc(children: Children, dir: string, options: { readonly password?: string; readonly qmp?: boolean } = {}): Promise<QemuVnc> {
  const display = await freeVncDisplay();
  let vnc = `127.0.0.1:${display}`;
  const secret: string[] = [];
  const qmpSocket = options.qmp ? join(dir, `qemu-vnc-${display}.qmp`) : undefined;
  if (options.password !== undefined) {
    const file = join(dir, `qemu-vnc-${display}.secret`);
    writeFileSync(file, options.password, { mode: 0o600 }); // no trailing newline: it would be part of the password
    secret.push('-object', `secret,id=vncpw,file=${file}`);
    vnc += ',password-secret=vncpw';
  }
  const child = children.start('qemu-vnc', 'qemu-system-x86_64', [
    '-nodefaults',
    '-machine',
    'pc,accel=tcg',
    '-m',
    '64',
    '-nic',
    'none',
    '-vga',
    'std',
    '-display',
    'none',
    ...secret,
    ...(qmpSocket === undefined ? [] : ['-qmp', `unix:${qmpSocket},server=on,wait=off`]),
    '-vnc',
    vnc,
  ]);
  await waitForTcpPort('127.0.0.1', 5900 + display, child);
  return { child, port: 5900 + display, qmpSocket };
}
