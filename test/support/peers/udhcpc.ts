// The image's DHCP client as a test peer: busybox udhcpc in the client namespace, asking for
// options 224 and 43 as the image's network service does, running the image's event script
// (overlays/busybox-init/usr/lib/vdd/udhcpc-script), which hands over to the launcher's hook. A
// private mount namespace puts overlays/common/usr/share/vdd at /usr/share/vdd, where the script
// looks for the hook.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { DhcpNetwork } from './dnsmasq.ts';

const overlays = fileURLToPath(new URL('../../../overlays', import.meta.url));
export const imageUdhcpcScript = `${overlays}/busybox-init/usr/lib/vdd/udhcpc-script`;
export const hookDirectory = `${overlays}/common/usr/share/vdd`;

/**
 * Runs `then` (shell, with "$2" the client's interface and "$3" the given program) in the client
 * namespace with the launcher's hook at /usr/share/vdd (a private mount namespace; more mounts
 * may come before it), VDD_DHCP_FILE pointing the hook at dhcpFile; resolves with the output.
 */
export function runWithImageHook(net: DhcpNetwork, dhcpFile: string, program: string, then: string, what: string): Promise<string> {
  const script = `mount -t tmpfs tmpfs /usr/share && mkdir /usr/share/vdd && mount --bind "$1" /usr/share/vdd && ${then}`;
  return new Promise((resolve, reject) => {
    execFile(
      'ip',
      ['netns', 'exec', net.clientNetns, 'unshare', '-m', '--propagation', 'private', 'sh', '-c', script, 'sh', hookDirectory, net.clientInterface, program],
      { env: { ...process.env, VDD_DHCP_FILE: dhcpFile }, timeout: 20_000 },
      (error, stdout, stderr) => (error ? reject(new Error(`${what} failed: ${error.message}\n${stdout}${stderr}`)) : resolve(`${stdout}${stderr}`)),
    );
  });
}

/** Gets one lease (udhcpc -q) and resolves with udhcpc's output once the hook has run. */
export function leaseWithImageClient(net: DhcpNetwork, dhcpFile: string): Promise<string> {
  return runWithImageHook(net, dhcpFile, imageUdhcpcScript, 'exec busybox udhcpc -i "$2" -f -q -n -t 5 -T 1 -V vdd-thin -O 224 -O 43 -s "$3"', 'udhcpc');
}
