// The power menu of the real single executable reaches logind's Manager on a real (private)
// D-Bus system bus; the login1 object there is a recording stand-in owned by the test.
import { chmodSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { useChildren } from '../../support/children.ts';
import { isolatedArgs, launcherPath, requireLauncher } from '../../support/launcher-binary.ts';
import { startLogindStandIn, type LogindStandIn } from '../../support/logind-stand-in.ts';
import { useTempDir } from '../../support/temp-dir.ts';
import { useTerminals } from '../../support/tmux.ts';

const children = useChildren();
const terminal = useTerminals();
const dir = useTempDir();

let busAddress = '';
let manager: LogindStandIn['manager'] = { calls: [] };

beforeAll(async () => {
  requireLauncher();
  chmodSync(dir, 0o755);
  const logind = await startLogindStandIn(children, dir);
  ({ busAddress, manager } = logind);
  return logind.disconnect;
});

describe('power menu', () => {
  it('asks logind to restart the computer, as the unprivileged user', async () => {
    const asUser = ['setpriv', '--reuid', '65534', '--regid', '65534', '--clear-groups', '--'];
    const menu = terminal([...asUser, launcherPath, ...isolatedArgs(dir)], { env: { DBUS_SYSTEM_BUS_ADDRESS: busAddress } });
    await menu.waitForText('P power');
    menu.send('p');
    await menu.waitForText('> Back to the list');
    menu.send(['Up', 'Up']);
    await menu.waitForText('> Restart this computer');
    menu.send('Enter');
    await expect.poll(() => manager.calls, { timeout: 10_000 }).toEqual(['Reboot(false)']);
  });

  it('asks logind to turn the computer off', async () => {
    manager.calls = [];
    const menu = terminal([launcherPath, ...isolatedArgs(dir)], { env: { DBUS_SYSTEM_BUS_ADDRESS: busAddress } });
    await menu.waitForText('P power');
    menu.send('P');
    menu.send('Up');
    await menu.waitForText('> Turn this computer off');
    menu.send('Enter');
    await expect.poll(() => manager.calls, { timeout: 10_000 }).toEqual(['PowerOff(false)']);
  });

  it('says why when neither logind nor the reboot command can do it', async () => {
    const menu = terminal([launcherPath, ...isolatedArgs(dir)], {
      env: { DBUS_SYSTEM_BUS_ADDRESS: `unix:path=${dir}/no-bus`, PATH: dir },
    });
    await menu.waitForText('P power');
    menu.send('p');
    menu.send(['Up', 'Up', 'Enter']);
    const screen = await menu.waitForText('could not be restarted or turned off');
    expect(screen.replace(/\s+/g, ' ')).toContain('logind: no D-Bus system bus at');
  });
});
