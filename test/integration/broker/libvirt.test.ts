// vdd-broker's libvirt backend against libvirt's own test driver (virsh -c test:///FILE): domains
// with VNC graphics become guests, a stopped one is started on a session request.
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fetchCatalog } from '../../../launcher/broker-client/catalog-fetch.ts';
import { requestSession } from '../../../launcher/broker-client/session-request.ts';
import { useChildren } from '../../support/children.ts';
import { startVddBroker } from '../../support/peers/vdd-broker.ts';
import { useTempDir } from '../../support/temp-dir.ts';
import { announceSkip } from '../../support/skip-reason.ts';

function virshMissing(): string | undefined {
  try {
    execFileSync('virsh', ['--connect', 'test:///default', 'list'], { stdio: 'ignore' });
    return undefined;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ENOENT'
      ? 'virsh is not installed (libvirt-clients; sh build/setup.sh installs it)'
      : `virsh cannot use the test driver: ${(error as Error).message}`;
  }
}

const unavailable = announceSkip('vdd-broker libvirt backend tests', virshMissing());

const node = `<node>
  <domain type='test'>
    <name>debian</name>
    <title>Debian 12 desktop</title>
    <metadata><libosinfo:libosinfo xmlns:libosinfo="http://libosinfo.org/xmlns/libvirt/domain/1.0"><libosinfo:os id="http://debian.org/debian/12"/></libosinfo:libosinfo></metadata>
    <memory>524288</memory><os><type>hvm</type></os>
    <devices><graphics type='vnc' port='5912' autoport='no' listen='127.0.0.1'/></devices>
  </domain>
  <domain type='test' xmlns:test='http://libvirt.org/schemas/domain/test/1.0'>
    <name>reactos</name>
    <test:runstate>5</test:runstate>
    <memory>262144</memory><os><type>hvm</type></os>
    <devices><graphics type='vnc' port='-1' autoport='yes' listen='127.0.0.1'/></devices>
  </domain>
  <domain type='test'>
    <name>headless</name>
    <memory>262144</memory><os><type>hvm</type></os>
  </domain>
</node>
`;

describe.skipIf(unavailable)('vdd-broker --libvirt', () => {
  const children = useChildren();
  const dir = useTempDir();

  it('lists VNC domains as guests and starts a stopped one on a session request', async () => {
    const nodeFile = join(dir, 'node.xml');
    writeFileSync(nodeFile, node);
    const catalogFile = join(dir, 'catalog.json');
    writeFileSync(
      catalogFile,
      JSON.stringify({
        version: 1,
        broker: { id: 'lv', name: 'Hypervisor' },
        ttl: 30,
        guests: [{ id: 'static', name: 'From the file', os: 'Debian', protocol: 'xdmcp', host: '127.0.0.1', port: 177, state: 'running' }],
      }),
    );
    const broker = await startVddBroker(children, catalogFile, { extraArgs: ['--probe-interval', '0', '--libvirt', `test://${nodeFile}`] });
    const options = { caFile: '/nonexistent', timeoutMs: 10_000 };
    const answer = await fetchCatalog(broker.url, options);
    expect(answer.kind === 'catalog' && answer.catalog.guests).toEqual([
      { id: 'static', name: 'From the file', os: 'Debian', protocol: 'xdmcp', host: '127.0.0.1', port: 177, state: 'running', use: { sessions: 0 } },
      {
        id: 'debian',
        name: 'Debian 12 desktop',
        os: 'debian 12',
        protocol: 'vnc',
        host: '127.0.0.1',
        port: 5912,
        state: 'running',
        startable: true,
        use: { sessions: 0, seats: 1 },
      },
      {
        id: 'reactos',
        name: 'reactos',
        os: 'libvirt domain',
        protocol: 'vnc',
        host: '127.0.0.1',
        port: 5900,
        state: 'stopped',
        startable: true,
        use: { sessions: 0, seats: 1 },
      },
    ]);

    // The test driver forgets a start when virsh disconnects and has no real VNC ports: no answer may
    // carry a port that is not the guest's, so the session fails with a reason and no command line.
    const client = { mac: '52:54:00:12:34:56' };
    const failure = await requestSession(broker.url, 'reactos', client, options).catch((error: unknown) => error as Error & { reason: string });
    expect(failure).toMatchObject({ reason: 'HTTP 503: guest reactos could not be started (unavailable)' });
    expect(broker.child.log).toContain('no session on guest reactos for 127.0.0.1 (52:54:00:12:34:56)');
  });

  it('says why when virsh fails, and still serves the file', async () => {
    const catalogFile = join(dir, 'catalog-only.json');
    writeFileSync(catalogFile, JSON.stringify({ version: 1, broker: { id: 'lv', name: 'Hypervisor' }, ttl: 30, guests: [] }));
    const broker = await startVddBroker(children, catalogFile, { extraArgs: ['--probe-interval', '0', '--libvirt', `test://${join(dir, 'missing.xml')}`] });
    expect(broker.child.log).toMatch(
      /keeping the previous libvirt guests: virsh --quiet --connect test:\/\/.*missing\.xml list --all --name exited with status 1: .*failed to connect to the hypervisor/,
    );
    const answer = await fetchCatalog(broker.url, { caFile: '/nonexistent', timeoutMs: 5000 });
    expect(answer.kind === 'catalog' && answer.catalog.guests).toEqual([]);
  });
});
