// A private D-Bus system bus (a real dbus-daemon) for tests, with a policy that lets the test
// own any name, and its address for DBUS_SYSTEM_BUS_ADDRESS.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Children } from './children.ts';
import { waitForFile } from './children.ts';

export async function startPrivateSystemBus(children: Children, dir: string, netns?: string): Promise<{ address: string; socket: string }> {
  const socket = join(dir, 'system_bus_socket');
  const config = join(dir, 'system.conf');
  writeFileSync(
    config,
    `<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN" "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>system</type>
  <listen>unix:path=${socket}</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow user="*"/>
    <allow own="*"/>
    <allow send_type="method_call"/>
    <allow send_type="signal"/>
    <allow send_type="method_return"/>
    <allow send_type="error"/>
    <allow receive_type="method_call"/>
    <allow receive_type="signal"/>
    <allow receive_type="method_return"/>
    <allow receive_type="error"/>
  </policy>
</busconfig>
`,
  );
  const daemon = children.start('dbus-daemon', 'dbus-daemon', ['--config-file', config, '--nofork', '--nopidfile'], netns ? { netns } : {});
  await waitForFile(socket, daemon);
  return { address: `unix:path=${socket}`, socket };
}
