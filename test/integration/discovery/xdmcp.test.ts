// XDMCP against a real xdm in a namespace made for the test: vdd-broker's probe marks the guest
// running (and a silent one unavailable), and without any broker the launcher's BroadcastQuery
// turns the willing display manager into an xdmcp guest.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { CatalogAnswer } from '../../../launcher/broker-client/catalog-fetch.ts';
import { useTestNetwork, netnsUnavailable } from '../../support/netns.ts';
import { useChildren, waitFor } from '../../support/children.ts';
import { requireLauncher } from '../../support/launcher-binary.ts';
import { callInNetns } from '../../support/peers/netns-node.ts';
import { discoverySettings, runLauncherInNetns } from '../../support/peers/launcher-in-netns.ts';
import { startVddBroker } from '../../support/peers/vdd-broker.ts';
import { startXdm } from '../../support/peers/xdm.ts';
import { xdmcpNetwork } from '../../support/peers/xdmcp-network.ts';
import { useTempDir } from '../../support/temp-dir.ts';
import { announceSkip, missingTools } from '../../support/skip-reason.ts';

const unavailable = announceSkip('XDMCP broker probe and broadcast tests', missingTools(['xdm']) ?? netnsUnavailable());

const fetchModule = new URL('../../../launcher/broker-client/catalog-fetch.ts', import.meta.url);

describe.skipIf(unavailable)('XDMCP probes and broadcast', () => {
  const network = useTestNetwork();
  const children = useChildren();
  const dir = useTempDir();

  it('vdd-broker probes xdmcp guests, and the broadcast finds the display manager when there is no broker', async () => {
    requireLauncher();
    const net = xdmcpNetwork(network, 'vddx');
    // "LISTEN *": every interface, as a site's xdm without LISTEN lines; a socket bound to one address gets no broadcasts.
    await startXdm(children, dir, { ...net, serverAddress: '*' }, { status: 'Debian test display manager' });
    const catalogFile = join(dir, 'catalog.json');
    const guest = { name: 'Debian', os: 'Debian 12', protocol: 'xdmcp', port: 177, state: 'unavailable' };
    writeFileSync(
      catalogFile,
      JSON.stringify({
        version: 1,
        broker: { id: 'x', name: 'XDMCP lab' },
        ttl: 30,
        guests: [
          { ...guest, id: 'live', host: net.serverAddress },
          { ...guest, id: 'silent', host: '10.203.0.9' },
        ],
      }),
    );
    const broker = await startVddBroker(children, catalogFile, {
      netns: net.netns,
      port: 18_482,
      extraArgs: ['--probe-interval', '1', '--probe-timeout', '500'],
    });
    const states = await waitFor(
      'the probes to mark the live guest running',
      async () => {
        const answer = await callInNetns<CatalogAnswer>(net.netns, fetchModule, 'fetchCatalog', [broker.url, { caFile: '/nonexistent', timeoutMs: 2000 }]);
        const found = answer.kind === 'catalog' ? Object.fromEntries(answer.catalog.guests.map((entry) => [entry.id, entry.state])) : {};
        return found.live === 'running' ? found : undefined;
      },
      { child: broker.child },
    );
    expect(states).toEqual({ live: 'running', silent: 'unavailable' });
    expect(broker.child.log).toMatch(/guest live \(xdmcp 10\.203\.0\.1:177\) is running: willing: Debian test display manager/);

    const settings = discoverySettings(join(dir, 'cache'), 'xdmcp', join(dir, 'none.env'));
    const discovered = runLauncherInNetns(net.netns, ['discover', '--json', ...settings]);
    expect(discovered.status).toBe(0);
    expect(JSON.parse(discovered.stdout)).toMatchObject({
      chosen: 'xdmcp',
      brokers: [],
      xdmcpGuests: [{ protocol: 'xdmcp', host: net.serverAddress, port: 177, state: 'running', os: 'Debian test display manager' }],
    });
    const listed = runLauncherInNetns(net.netns, ['list', ...settings]);
    expect(listed.status).toBe(0);
    expect(listed.stdout).toMatch(/^Broker: XDMCP broadcast \(XDMCP BroadcastQuery\)/);
    expect(listed.stdout).toMatch(/xdmcp-10-203-0-1 .* xdmcp +10\.203\.0\.1:177 +running/);
  });
});
