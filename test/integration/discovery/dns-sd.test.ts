// DNS-SD discovery against a real avahi-daemon on a private D-Bus system bus, inside a network
// namespace made for the test: services found, TXT path= and scheme= applied, bad ones ignored,
// and the launcher lists the catalog of the broker it found.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { dnsSdSource } from '../../../launcher/discovery/dns-sd-source.ts';
import { useTestNetwork, netnsUnavailable } from '../../support/netns.ts';
import { useChildren } from '../../support/children.ts';
import { requireLauncher } from '../../support/launcher-binary.ts';
import { startPrivateSystemBus } from '../../support/private-bus.ts';
import { startAvahi } from '../../support/peers/avahi.ts';
import { discoverySettings, runLauncherInNetns } from '../../support/peers/launcher-in-netns.ts';
import { startVddBroker } from '../../support/peers/vdd-broker.ts';
import { useTempDir } from '../../support/temp-dir.ts';
import { announceSkip, missingTools } from '../../support/skip-reason.ts';

const unavailable = announceSkip('DNS-SD discovery tests', missingTools(['avahi-daemon']) ?? netnsUnavailable());

describe.skipIf(unavailable)('DNS-SD discovery through Avahi', () => {
  const network = useTestNetwork();
  const children = useChildren();
  const dir = useTempDir();

  it('finds _vdd._tcp services and the launcher uses the broker it found', async () => {
    requireLauncher();
    const netns = network.namespace('avahi');
    const bus = await startPrivateSystemBus(children, dir);
    const brokerPort = 18_480;
    const catalogFile = join(dir, 'catalog.json');
    writeFileSync(
      catalogFile,
      JSON.stringify({
        version: 1,
        broker: { id: 'sd', name: 'Found by DNS-SD' },
        ttl: 30,
        guests: [{ id: 'debian', name: 'Debian', os: 'Debian 12', protocol: 'xdmcp', host: '10.0.0.20', port: 177, state: 'running' }],
      }),
    );
    await startVddBroker(children, catalogFile, { netns, port: brokerPort, extraArgs: ['--probe-interval', '0'] });
    await startAvahi(children, dir, netns, bus.address, [
      { name: 'A lab broker', type: '_vdd._tcp', port: brokerPort, txt: ['path=/', 'ver=1'] },
      { name: 'B secure broker', type: '_vdd._tcp', port: 8443, txt: ['path=/vdd', 'scheme=https'] },
      { name: 'C bad scheme', type: '_vdd._tcp', port: 70, txt: ['scheme=gopher'] },
      { name: 'Not a broker', type: '_http._tcp', port: 80 },
    ]);

    const finding = await dnsSdSource({ DBUS_SYSTEM_BUS_ADDRESS: bus.address }, 3000).find(AbortSignal.timeout(5000));
    expect(finding.brokers).toEqual([
      { url: `http://127.0.0.1:${brokerPort}/`, via: 'DNS-SD "A lab broker"' },
      { url: 'https://127.0.0.1:8443/vdd/', via: 'DNS-SD "B secure broker"' },
    ]);
    expect(finding.detail).toBe('2 _vdd._tcp services; ignored 1 with a bad address or TXT');

    const settings = discoverySettings(join(dir, 'cache'), 'dns-sd', join(dir, 'none.env'));
    const env = { DBUS_SYSTEM_BUS_ADDRESS: bus.address };
    const discovered = runLauncherInNetns(netns, ['discover', '--json', ...settings], env);
    expect(discovered.stderr).toBe('');
    expect(discovered.status).toBe(0);
    const report = JSON.parse(discovered.stdout);
    expect(report.chosen).toBe('dns-sd');
    expect(report.sources.find((source: { name: string }) => source.name === 'dns-sd')).toMatchObject({
      status: 'found',
      brokers: [{ via: 'DNS-SD "A lab broker"' }, { via: 'DNS-SD "B secure broker"' }],
    });
    expect(report.sources.map((source: { name: string; status: string }) => `${source.name}:${source.status}`)).toEqual([
      'command-line:nothing',
      'kernel:nothing',
      'ltsp-conf:nothing',
      'dhcp:off',
      'config-file:nothing',
      'dns-sd:found',
      'dns-srv:off',
      'xdmcp:off',
    ]);

    const listed = runLauncherInNetns(netns, ['list', '--json', ...settings], env);
    expect(listed.status).toBe(0);
    expect(JSON.parse(listed.stdout)).toMatchObject({ online: true, via: 'DNS-SD "A lab broker"', catalog: { broker: { name: 'Found by DNS-SD' } } });
  });

  it('reports a missing bus as a failed source, without hanging', async () => {
    const source = dnsSdSource({ DBUS_SYSTEM_BUS_ADDRESS: `unix:path=${join(dir, 'no-bus')}` }, 1000);
    await expect(source.find(AbortSignal.timeout(2000))).rejects.toThrow(/no D-Bus system bus at .*no-bus/);
  });
});
