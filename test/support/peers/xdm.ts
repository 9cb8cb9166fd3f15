// xdm as an XDMCP display manager for tests: private config, no local display, answering only
// inside the test's namespace. status is what xdm puts in its Willing answers.
import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Child, Children } from '../children.ts';
import { waitForUdpPort, type XdmcpNetwork } from './xdmcp-network.ts';

export type XdmOptions = {
  /** Host pattern for Xaccess. Default "*". */
  readonly allow?: string;
  /** Text of the Willing answer (xdm's "willing" command prints it). */
  readonly status?: string;
};

export async function startXdm(children: Children, dir: string, net: XdmcpNetwork, options: XdmOptions = {}): Promise<Child> {
  const home = mkdtempSync(join(dir, 'xdm-'));
  mkdirSync(join(home, 'auth'));
  const file = (name: string, text: string) => {
    writeFileSync(join(home, name), text);
    return join(home, name);
  };
  const willing = file('willing', `#!/bin/sh\necho '${(options.status ?? 'Willing to manage').replace(/'/g, '')}'\n`);
  chmodSync(willing, 0o755);
  const config = file(
    'xdm-config',
    [
      `DisplayManager.requestPort: 177`,
      `DisplayManager.servers: ${file('Xservers', '')}`,
      `DisplayManager.accessFile: ${file('Xaccess', `LISTEN ${net.serverAddress}\n${options.allow ?? '*'}\n`)}`,
      `DisplayManager.authDir: ${join(home, 'auth')}`,
      `DisplayManager.pidFile: ${join(home, 'xdm.pid')}`,
      `DisplayManager.errorLogFile: ${join(home, 'xdm.log')}`,
      `DisplayManager.keyFile: ${join(home, 'xdm-keys')}`,
      `DisplayManager.willing: ${willing}`,
      `DisplayManager*resources: /etc/X11/xdm/Xresources`,
      `DisplayManager*authorize: true`,
      `DisplayManager*setup: /etc/X11/xdm/Xsetup`,
      `DisplayManager*startup: /etc/X11/xdm/Xstartup`,
      `DisplayManager*session: /etc/X11/xdm/Xsession`,
      `DisplayManager*reset: /etc/X11/xdm/Xreset`,
      '',
    ].join('\n'),
  );
  const xdm = children.start('xdm', 'xdm', ['-config', config, '-nodaemon'], { netns: net.netns });
  await waitForUdpPort(net.netns, 177, xdm);
  return xdm;
}
