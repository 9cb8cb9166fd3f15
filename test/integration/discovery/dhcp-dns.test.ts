// DHCP and DNS SRV discovery against real dnsmasq and the image's DHCP client (busybox udhcpc,
// the image's event script and the launcher's hook) in namespaces made for the test.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { useTestNetwork, netnsUnavailable } from '../../support/netns.ts';
import { useChildren } from '../../support/children.ts';
import { requireLauncher } from '../../support/launcher-binary.ts';
import { dhcpNetwork, startDnsmasq } from '../../support/peers/dnsmasq.ts';
import { leaseWithImageClient } from '../../support/peers/udhcpc.ts';
import { discoverySettings, runLauncherInNetns } from '../../support/peers/launcher-in-netns.ts';
import { startVddBroker } from '../../support/peers/vdd-broker.ts';
import { useTempDir } from '../../support/temp-dir.ts';
import { announceSkip, missingTools } from '../../support/skip-reason.ts';

const unavailable = announceSkip('DHCP and DNS SRV discovery tests', missingTools(['dnsmasq', 'busybox']) ?? netnsUnavailable());

describe.skipIf(unavailable)('DHCP and DNS SRV discovery', () => {
  const network = useTestNetwork();
  const children = useChildren();
  const dir = useTempDir();
  const settings = (dhcpFile: string, sources: string) => discoverySettings(join(dir, 'cache'), sources, dhcpFile);

  it('finds the broker in option 224 and in DNS SRV records, and lists its catalog', async () => {
    requireLauncher();
    const net = dhcpNetwork(network, '10.204.1');
    const brokerPort = 18_481;
    const brokerUrl = `http://${net.serverAddress}:${brokerPort}/`;
    await startDnsmasq(children, dir, net, [
      'port=53',
      'dhcp-option=option:domain-name,vdd.test',
      `dhcp-option=option:dns-server,${net.serverAddress}`,
      `dhcp-option-force=224,"${brokerUrl}"`,
      `srv-host=_vdd._tcp.vdd.test,broker.vdd.test,8443,0,10`,
      `srv-host=_vdd._tcp.vdd.test,backup.vdd.test,8443,1,10`,
      'txt-record=_vdd._tcp.vdd.test,"path=/lab/","scheme=https"',
    ]);
    const catalogFile = join(dir, 'catalog.json');
    writeFileSync(catalogFile, JSON.stringify({ version: 1, broker: { id: 'dhcp', name: 'Found by DHCP' }, ttl: 30, guests: [] }));
    await startVddBroker(children, catalogFile, { netns: net.serverNetns, host: net.serverAddress, port: brokerPort, extraArgs: ['--probe-interval', '0'] });

    const dhcpFile = join(dir, 'lease1', 'dhcp.env');
    await leaseWithImageClient(net, dhcpFile);
    const lease = readFileSync(dhcpFile, 'utf8');
    expect(lease).toContain(`opt224=${Buffer.from(brokerUrl).toString('hex')}`);
    expect(lease).toContain('domain=vdd.test');
    expect(lease).toContain(`dns=${net.serverAddress}`);

    const discovered = runLauncherInNetns(net.clientNetns, ['discover', '--json', ...settings(dhcpFile, 'dhcp,dns-srv')]);
    expect(discovered.stderr).toBe('');
    const report = JSON.parse(discovered.stdout);
    expect(report).toMatchObject({ chosen: 'dhcp', brokers: [{ url: brokerUrl, via: 'DHCP option 224' }] });
    expect(report.sources.find((source: { name: string }) => source.name === 'dns-srv')).toMatchObject({
      status: 'found',
      brokers: [
        { url: 'https://broker.vdd.test:8443/lab/', via: 'DNS SRV _vdd._tcp.vdd.test' },
        { url: 'https://backup.vdd.test:8443/lab/', via: 'DNS SRV _vdd._tcp.vdd.test' },
      ],
    });

    const listed = runLauncherInNetns(net.clientNetns, ['list', '--json', ...settings(dhcpFile, 'dhcp')]);
    expect(listed.status).toBe(0);
    expect(JSON.parse(listed.stdout)).toMatchObject({
      online: true,
      broker: brokerUrl,
      via: 'DHCP option 224',
      catalog: { broker: { name: 'Found by DHCP' } },
    });
  });

  it('finds the broker in vendor option 43 (sub-option 1) when there is no option 224', async () => {
    requireLauncher();
    const net = dhcpNetwork(network, '10.204.2');
    await startDnsmasq(children, dir, net, ['port=0', 'dhcp-option=vendor:vdd-thin,1,"http://10.204.2.1:8080/"']);
    const dhcpFile = join(dir, 'lease2', 'dhcp.env');
    await leaseWithImageClient(net, dhcpFile);
    expect(readFileSync(dhcpFile, 'utf8')).toMatch(/^opt224=$/m);
    const discovered = runLauncherInNetns(net.clientNetns, ['discover', '--json', ...settings(dhcpFile, 'dhcp')]);
    expect(JSON.parse(discovered.stdout)).toMatchObject({ chosen: 'dhcp', brokers: [{ url: 'http://10.204.2.1:8080/', via: 'DHCP option 43' }] });
  });
});
