// How a libvirt domain becomes a catalog guest: ids across VM hosts, where clients reach its
// console (libvirt's meaning of a missing listen, loopback, every address), vdd metadata, states;
// and the broker's --libvirt command line.
import { describe, expect, it } from 'vitest';
import { consoleHost, domainGuest, guestId, type HostContext } from '../../../broker/libvirt/domain-guest.ts';
import { readDomainXml } from '../../../broker/libvirt/domain-xml.ts';
import { vddNamespace } from '../../../broker/libvirt/vdd-metadata.ts';
import { parseBrokerCommandLine } from '../../../broker/options.ts';

const local: HostContext = { label: undefined, uriHost: undefined, vncHost: undefined, loopbackClients: false };
const uuid = '6ada5601-6bf7-4fc5-873d-eda88c067d90';

function domain(inner: string, attributes = ''): string {
  return `<domain type='kvm'${attributes}><name>winxp</name><uuid>${uuid}</uuid>${inner}</domain>`;
}

describe('libvirt domains as guests', () => {
  it('takes name, OS, protocol and policies from vdd metadata, else title and libosinfo', () => {
    const plain = readDomainXml(
      domain(
        `<title>Windows XP</title><metadata><libosinfo:libosinfo xmlns:libosinfo="http://libosinfo.org/xmlns/libvirt/domain/1.0"><libosinfo:os id="http://microsoft.com/win/xp"/></libosinfo:libosinfo></metadata><devices><graphics type='vnc' port='-1' autoport='yes'/></devices>`,
      ),
    );
    expect(domainGuest({ description: plain, state: 'shutoff' }, local)?.guest).toEqual({
      id: 'winxp',
      name: 'Windows XP',
      os: 'win xp',
      protocol: 'vnc',
      state: 'stopped',
      startable: true,
      auth: 'vnc-password',
    });
    const described = readDomainXml(
      domain(
        `<metadata><vdd:guest xmlns:vdd="${vddNamespace}"><name>Debian lab</name><os>Debian 12</os><protocol>xdmcp</protocol><xdmcp host="10.0.0.21"/><pool>lab</pool><reset when="after-session" snapshot="fresh"/></vdd:guest></metadata>`,
        " id='3'",
      ),
    );
    expect(domainGuest({ description: described, state: 'running' }, local)).toEqual({
      guest: { id: 'winxp', name: 'Debian lab', os: 'Debian 12', protocol: 'xdmcp', host: '10.0.0.21', port: 177, state: 'running', startable: true },
      metadata: { name: 'Debian lab', os: 'Debian 12', protocol: 'xdmcp', xdmcp: { host: '10.0.0.21', port: 177 }, pool: 'lab', reset: { snapshot: 'fresh' } },
      ticketed: false,
    });
  });

  it('lists a domain with bad metadata as unavailable, naming the element', () => {
    const bad = readDomainXml(
      domain(`<metadata><guest xmlns="${vddNamespace}"><protocol>rdp</protocol></guest></metadata><devices><graphics type='vnc'/></devices>`),
    );
    expect(domainGuest({ description: bad, state: 'shutoff' }, local)?.guest).toMatchObject({
      state: 'unavailable',
      reason: expect.stringMatching(/^vdd metadata: protocol: /),
    });
    const unknown = readDomainXml(
      domain(`<metadata><guest xmlns="${vddNamespace}"><seats>2</seats></guest></metadata><devices><graphics type='vnc'/></devices>`),
    );
    expect(domainGuest({ description: unknown, state: 'shutoff' }, local)?.guest.reason).toBe('vdd metadata: unknown element <seats>');
  });

  it('reads a missing listen as libvirt does: known once the domain runs', () => {
    const running = (listen: string) =>
      readDomainXml(domain(`<devices><graphics type='vnc' port='5907' autoport='yes' passwd='x'${listen}/></devices>`, " id='4'")).vnc?.listen;
    expect(running('')).toEqual({ kind: 'at-start' });
    expect(running(" listen='10.0.0.5'")).toEqual({ kind: 'address', address: '10.0.0.5' });
    expect(readDomainXml(domain(`<devices><graphics type='vnc'><listen type='address'/></graphics></devices>`)).vnc?.listen).toEqual({ kind: 'at-start' });
    expect(readDomainXml(domain(`<devices><graphics type='vnc'><listen type='socket'/></graphics></devices>`)).vnc?.listen).toMatchObject({
      kind: 'unreachable',
    });
  });

  it('never serves a loopback or every-address console as it is', () => {
    const address = (text: string) => ({ kind: 'address', address: text }) as const;
    expect(consoleHost(address('127.0.0.1'), local)).toEqual({
      unreachable: expect.stringContaining('listens on 127.0.0.1 only, which thin clients cannot reach'),
    });
    expect(consoleHost(address('127.0.0.1'), { ...local, loopbackClients: true })).toEqual({ host: '127.0.0.1' });
    expect(consoleHost(address('127.0.0.1'), { ...local, loopbackClients: true, uriHost: 'vmhost2' })).toMatchObject({ unreachable: expect.any(String) });
    expect(consoleHost(address('0.0.0.0'), local)).toEqual({ unreachable: expect.stringContaining('--libvirt-vnc-host') });
    expect(consoleHost(address('0.0.0.0'), { ...local, uriHost: 'vmhost2' })).toEqual({ host: 'vmhost2' });
    expect(consoleHost(address('::'), { ...local, uriHost: 'vmhost2', vncHost: '10.0.0.2' })).toEqual({ host: '10.0.0.2' });
    expect(consoleHost(address('10.0.0.5'), local)).toEqual({ host: '10.0.0.5' });
  });

  it("answers a running console with the port libvirt gave it, and refuses one without a password or with the definition's own", () => {
    const live = (passwd: string) => readDomainXml(domain(`<devices><graphics type='vnc' port='5907' listen='10.0.0.5'${passwd}/></devices>`, " id='4'"));
    const ticketed = " passwd='x' passwdValidTo='2026-12-03T10:00:00'";
    expect(domainGuest({ description: live(ticketed), state: 'running' }, local)?.guest).toMatchObject({ state: 'running', host: '10.0.0.5', port: 5907 });
    expect(domainGuest({ description: live(" passwd='x'"), state: 'running' }, local)?.guest).toMatchObject({
      state: 'unavailable',
      reason: expect.stringContaining("definition's own password"),
    });
    expect(domainGuest({ description: live(''), state: 'running' }, local)?.guest).toMatchObject({
      state: 'unavailable',
      reason: expect.stringContaining('without a password'),
    });
    expect(domainGuest({ description: live(ticketed), state: 'paused' }, local)?.guest).toMatchObject({
      state: 'unavailable',
      reason: 'the VM is paused',
    });
  });

  it('makes ids unique across VM hosts: LABEL.NAME, or the UUID when the name cannot be an id', () => {
    expect(guestId({ label: undefined }, { name: 'winxp', uuid })).toBe('winxp');
    expect(guestId({ label: 'lab2' }, { name: 'winxp', uuid })).toBe('lab2.winxp');
    expect(guestId({ label: undefined }, { name: 'Windows XP', uuid })).toBe(uuid);
    expect(guestId({ label: 'lab2' }, { name: 'x'.repeat(60), uuid })).toBe(`lab2.${uuid}`);
  });
});

describe('vdd-broker --libvirt', () => {
  const line = (...args: string[]) => parseBrokerCommandLine(['--catalog', 'c.json', ...args]).options;

  it('takes one VM host per --libvirt, with labels when there are several', () => {
    expect(line('--libvirt', 'qemu:///system')?.libvirt).toEqual([{ uri: 'qemu:///system', label: undefined, vncHost: undefined }]);
    expect(
      line(
        '--libvirt',
        'one=qemu:///system',
        '--libvirt',
        'two=qemu+ssh://vmhost2/system',
        '--libvirt-vnc-host',
        '10.0.0.1',
        '--libvirt-vnc-host',
        'two=10.0.0.2',
      )?.libvirt,
    ).toEqual([
      { uri: 'qemu:///system', label: 'one', vncHost: '10.0.0.1' },
      { uri: 'qemu+ssh://vmhost2/system', label: 'two', vncHost: '10.0.0.2' },
    ]);
    expect(line('--libvirt', 'qemu:///system?socket=/run/x')?.libvirt[0]).toMatchObject({ uri: 'qemu:///system?socket=/run/x', label: undefined });
    expect(() => line('--libvirt', 'qemu:///system', '--libvirt', 'qemu+ssh://vmhost2/system')).toThrow(/give each VM host a label/);
    expect(() => line('--libvirt', 'a=qemu:///system', '--libvirt', 'a=qemu+ssh://h/system')).toThrow(/label a is given twice/);
    expect(() => line('--libvirt-vnc-host', '10.0.0.1')).toThrow(/needs --libvirt/);
    expect(() => line('--libvirt', 'qemu:///system', '--libvirt-vnc-host', 'x=10.0.0.1')).toThrow(/no --libvirt has the label x/);
    expect(() => line('--libvirt', 'not a uri')).toThrow(/expected \[LABEL=\]URI/);
  });
});
