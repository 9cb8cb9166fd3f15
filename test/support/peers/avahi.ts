// avahi-daemon for DNS-SD tests, inside a network namespace the test made (it multicasts; never in
// the machine's own namespace), on a private system bus, with its own /run and a services
// directory of static .service files.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Child, Children } from '../children.ts';
import { waitFor } from '../children.ts';
import { callSystemBus } from '../../../launcher/system/system-bus.ts';

export type AvahiService = { readonly name: string; readonly type: string; readonly port: number; readonly txt?: readonly string[] };

const escapeXml = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export function avahiServiceFile(service: AvahiService): string {
  const txt = (service.txt ?? []).map((record) => `    <txt-record>${escapeXml(record)}</txt-record>\n`).join('');
  return `<?xml version="1.0" standalone='no'?>
<!DOCTYPE service-group SYSTEM "avahi-service.dtd">
<service-group>
  <name>${escapeXml(service.name)}</name>
  <service protocol="ipv4">
    <type>${escapeXml(service.type)}</type>
    <port>${service.port}</port>
${txt}  </service>
</service-group>
`;
}

/** Starts avahi-daemon in netns on the bus at busAddress, publishing services; resolves once it answers on the bus. */
export async function startAvahi(children: Children, dir: string, netns: string, busAddress: string, services: readonly AvahiService[]): Promise<Child> {
  const home = join(dir, `avahi-${netns}`);
  const servicesDir = join(home, 'services');
  mkdirSync(servicesDir, { recursive: true });
  for (const [index, service] of services.entries()) writeFileSync(join(servicesDir, `vdd-${index}.service`), avahiServiceFile(service));
  const config = join(home, 'avahi-daemon.conf');
  writeFileSync(
    config,
    '[server]\nuse-ipv4=yes\nuse-ipv6=no\nratelimit-interval-usec=0\n[wide-area]\nenable-wide-area=no\n[publish]\npublish-hinfo=no\npublish-workstation=no\n[reflector]\n[rlimits]\n',
  );
  // A private mount namespace: avahi gets its own /run, and reads the test's services directory.
  const script = 'mount -t tmpfs tmpfs /run && mount --bind "$1" /etc/avahi/services && exec avahi-daemon -f "$2" --no-drop-root --no-chroot --no-rlimits';
  const env = { ...process.env, DBUS_SYSTEM_BUS_ADDRESS: busAddress } as Record<string, string>;
  const avahi = children.start('avahi-daemon', 'unshare', ['-m', '--propagation', 'private', 'sh', '-c', script, 'sh', servicesDir, config], { netns, env });
  await waitFor(
    'avahi-daemon on the bus',
    () =>
      callSystemBus(
        { destination: 'org.freedesktop.Avahi', path: '/', interface: 'org.freedesktop.Avahi.Server', member: 'GetState' },
        { DBUS_SYSTEM_BUS_ADDRESS: busAddress },
        500,
      ).then(
        ([state]) => state === 2, // AVAHI_SERVER_RUNNING: the host name is established
        () => false,
      ),
    { child: avahi },
  );
  return avahi;
}
