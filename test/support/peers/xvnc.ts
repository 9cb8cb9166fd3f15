// TigerVNC's Xvnc as a VNC guest for tests, on loopback: security None or VncAuth with a password
// file made by vncpasswd, the failed-login blacklist off so wrong-password tests can repeat.
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Children } from '../children.ts';
import { waitFor, waitForTcpPort } from '../children.ts';
import { freeTcpPort } from './free-port.ts';
import { startXServer, type XServer } from './x-display.ts';

export type Xvnc = XServer & { readonly port: number; readonly passwordFile: string | undefined };

export type XvncOptions = {
  readonly password?: string;
  readonly desktopName?: string;
  readonly size?: string;
  /** Run inside this network namespace, on its loopback (or every address with listenEverywhere). */
  readonly netns?: string;
  /** Listen on every address of its namespace, not only loopback (a guest in the namespace connects). */
  readonly everyAddress?: boolean;
  /** Extra Xvnc options (e.g. -NeverShared). */
  readonly extraArgs?: readonly string[];
};

export async function startXvnc(children: Children, dir: string, options: XvncOptions = {}): Promise<Xvnc> {
  const port = await freeTcpPort();
  const passwordFile = options.password === undefined ? undefined : writePasswordFile(dir, port, options.password);
  const security = passwordFile === undefined ? ['-SecurityTypes', 'None'] : ['-SecurityTypes', 'VncAuth', '-rfbauth', passwordFile];
  const args = [
    '-rfbport',
    String(port),
    ...(options.everyAddress ? [] : ['-localhost']),
    '-nolisten',
    'tcp',
    '-UseBlacklist=0',
    '-geometry',
    options.size ?? '800x600',
    '-depth',
    '24',
    '-desktop',
    options.desktopName ?? 'vdd test desktop',
    ...security,
    ...(options.extraArgs ?? []),
  ];
  const server = await startXServer(children, 'Xvnc', 'Xvnc', args, options.netns ? { netns: options.netns } : {});
  if (options.netns === undefined) await waitForTcpPort('127.0.0.1', port, server.child);
  else await waitFor(`Xvnc's port ${port} in ${options.netns}`, () => tcpListening(options.netns ?? '', port), { child: server.child });
  return { ...server, port, passwordFile };
}

function tcpListening(netns: string, port: number): boolean {
  return execFileSync('ip', ['netns', 'exec', netns, 'ss', '-H', '-tln', `sport = :${port}`], { encoding: 'utf8' }).trim() !== '';
}

function writePasswordFile(dir: string, port: number, password: string): string {
  const file = join(dir, `xvnc-${port}.passwd`);
  writeFileSync(file, execFileSync('vncpasswd', ['-f'], { input: `${password}\n` }), { mode: 0o600 });
  return file;
}
