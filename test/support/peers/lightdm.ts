// LightDM as a second XDMCP display manager for tests: no local seat, its XDMCP server bound to
// the namespace's server address, talking to a private system D-Bus (it needs one to start).
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Child, Children } from '../children.ts';
import { startPrivateSystemBus } from '../private-bus.ts';
import { waitForUdpPort, type XdmcpNetwork } from './xdmcp-network.ts';

export type LightdmOptions = {
  /** An XDM-AUTHENTICATION-1 key (hex); LightDM then answers Queries that do not offer it with Unwilling. */
  readonly key?: string;
};

export async function startLightdm(children: Children, dir: string, net: XdmcpNetwork, options: LightdmOptions = {}): Promise<Child> {
  const home = mkdtempSync(join(dir, 'lightdm-'));
  for (const sub of ['bus', 'log', 'run', 'cache']) mkdirSync(join(home, sub));
  const bus = await startPrivateSystemBus(children, join(home, 'bus'), net.netns);
  mkdirSync(join(home, 'etc'));
  const config = join(home, 'etc', 'lightdm.conf');
  writeFileSync(
    config,
    `[LightDM]\nstart-default-seat=false\n\n[XDMCPServer]\nenabled=true\nport=177\nlisten-address=${net.serverAddress}\n${options.key ? 'key=vddtest\n' : ''}`,
  );
  // LightDM 1.26 looks for keys in ./lightdm.conf/keys.conf relative to its working directory (home here).
  if (options.key) {
    mkdirSync(join(home, 'lightdm.conf'));
    writeFileSync(join(home, 'lightdm.conf', 'keys.conf'), `[keyring]\nvddtest=${options.key}\n`);
  }
  const lightdm = children.start(
    'lightdm',
    'lightdm',
    [
      '--config',
      config,
      '--log-dir',
      join(home, 'log'),
      '--run-dir',
      join(home, 'run'),
      '--cache-dir',
      join(home, 'cache'),
      '--pid-file',
      join(home, 'lightdm.pid'),
    ],
    { netns: net.netns, cwd: home, env: { ...process.env, DBUS_SYSTEM_BUS_ADDRESS: bus.address } },
  );
  await waitForUdpPort(net.netns, 177, lightdm);
  return lightdm;
}
