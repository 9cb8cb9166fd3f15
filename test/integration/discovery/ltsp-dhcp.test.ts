// Broker discovery on a PC an LTSP server booted: the LTSP flavour's dhcp-options script (run by
// vdd-dhcp-options.service) asks real dnsmasq once more for options 224 and 43 on the interface
// LTSP's initramfs configured (its /run/net-IFACE.conf), through the launcher's hook, and the
// launcher finds the broker there; VDD_BROKER in ltsp.conf, where LTSP leaves it, comes first.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { useChildren } from '../../support/children.ts';
import { requireLauncher } from '../../support/launcher-binary.ts';
import { useTestNetwork, netnsUnavailable } from '../../support/netns.ts';
import { dhcpNetwork, startDnsmasq, type DhcpNetwork } from '../../support/peers/dnsmasq.ts';
import { runLauncherInNetns } from '../../support/peers/launcher-in-netns.ts';
import { runWithImageHook } from '../../support/peers/udhcpc.ts';
import { announceSkip, missingTools } from '../../support/skip-reason.ts';
import { useTempDir } from '../../support/temp-dir.ts';

const overlays = fileURLToPath(new URL('../../../overlays', import.meta.url));
const unavailable = announceSkip('DHCP discovery under LTSP', missingTools(['dnsmasq', 'busybox']) ?? netnsUnavailable());

/** Runs the LTSP flavour's dhcp-options as the service does, with LTSP's record of the interface in a private /run. */
function askAgain(net: DhcpNetwork, dhcpFile: string): Promise<string> {
  const then = 'mount -t tmpfs tmpfs /run && printf "DEVICE=\'%s\'\\n" "$2" > "/run/net-$2.conf" && exec "$3"';
  return runWithImageHook(net, dhcpFile, join(overlays, 'ltsp/usr/lib/vdd/dhcp-options'), then, 'dhcp-options');
}

describe.skipIf(unavailable)('DHCP discovery under LTSP', () => {
  const network = useTestNetwork();
  const children = useChildren();
  const dir = useTempDir();

  it("finds the broker of option 224 asked for again, and ltsp.conf's VDD_BROKER ahead of it", async () => {
    requireLauncher();
    const net = dhcpNetwork(network, '10.204.7');
    const dhcpBroker = `http://${net.serverAddress}:8080/`;
    await startDnsmasq(children, dir, net, ['port=0', `dhcp-option-force=224,"${dhcpBroker}"`]);
    const dhcpFile = join(dir, 'run-vdd', 'dhcp.env');
    mkdirSync(join(dir, 'run-vdd'));
    await askAgain(net, dhcpFile);
    expect(readFileSync(dhcpFile, 'utf8')).toMatch(new RegExp(`^interface=${net.clientInterface}$`, 'm'));

    const ltspConf = join(dir, 'ltsp.conf');
    const discover = (conf: string) =>
      runLauncherInNetns(net.clientNetns, [
        'discover',
        '--json',
        '--cmdline',
        '/dev/null',
        '--config',
        '/dev/null',
        '--ltsp-conf',
        conf,
        '--set',
        'discovery_sources=dhcp',
        '--set',
        `dhcp_file=${dhcpFile}`,
      ]);
    writeFileSync(ltspConf, '[server]\nDEFAULT_IMAGE=vdd-thin\n');
    expect(JSON.parse(discover(ltspConf).stdout)).toMatchObject({ chosen: 'dhcp', brokers: [{ url: dhcpBroker, via: 'DHCP option 224' }] });
    writeFileSync(ltspConf, '[clients]\nVDD_BROKER = "http://10.204.7.1:9090/"\n');
    const report = JSON.parse(discover(ltspConf).stdout);
    expect(report).toMatchObject({ chosen: 'ltsp-conf', brokers: [{ url: 'http://10.204.7.1:9090/', via: `ltsp.conf ${ltspConf}:2 [clients]` }] });
    expect(report.sources.find((source: { name: string }) => source.name === 'dhcp')).toMatchObject({ status: 'found' });
  });
});
