// Domain XML and vdd metadata come from whoever can define domains on a VM host: every generated
// description is either read (and made into a guest the protocol's schema accepts, with
// terminal-safe text, no address for a stopped guest and never a port libvirt did not give) or
// refused with a DomainXmlError; nothing else is thrown, whatever the bytes.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { guestSchema } from '../../common/protocol/broker-protocol.ts';
import { type DomainState, domainGuest, domainStates, type HostContext } from '../../broker/libvirt/domain-guest.ts';
import { DomainXmlError, readDomainXml } from '../../broker/libvirt/domain-xml.ts';
import { parseDomainStates, parseEventLine, withExpiredPassword } from '../../broker/libvirt/libvirt-host.ts';
import { escapeXml } from '../../broker/libvirt/xml-tree.ts';
import { vddNamespace } from '../../broker/libvirt/vdd-metadata.ts';
import { expectTerminalSafe, fuzzRuns, hostilePiece, hostileText } from '../support/fuzz.ts';

const contexts: readonly HostContext[] = [
  { label: undefined, uriHost: undefined, vncHost: undefined, loopbackClients: false },
  { label: 'lab2', uriHost: 'vmhost2', vncHost: undefined, loopbackClients: false },
  { label: undefined, uriHost: undefined, vncHost: '10.0.0.9', loopbackClients: true },
];

/** Text as an admin (or a hostile one) might put in the XML, escaped or raw. */
const content = fc.oneof(
  hostileText(80).map(escapeXml),
  hostileText(40),
  fc.constantFrom('Windows XP', 'ReactOS 0.4', '', ' ', '&amp;', '&bogus;', ']]>', '<![CDATA[x]]>'),
);
const attribute = fc.oneof(
  fc.constantFrom('127.0.0.1', '0.0.0.0', '::', '::1', '10.0.0.5', 'vmhost.lab', 'localhost', '', '-1', '5901', '65536', '0', 'fe80::1%eth0'),
  content,
);
const uuid = fc.uuid().map((text) => text.toLowerCase());

const graphics = fc.oneof(
  fc.constant(''),
  fc
    .record({
      port: fc.option(attribute, { nil: undefined }),
      listen: fc.option(attribute, { nil: undefined }),
      passwd: fc.option(fc.constantFrom('secret12', ''), { nil: undefined }),
      child: fc.option(
        fc.oneof(
          attribute.map((address) => `<listen type='address' address='${escapeXml(address)}'/>`),
          fc.constantFrom(
            "<listen type='none'/>",
            "<listen type='socket' socket='/run/x'/>",
            "<listen type='network' network='default'/>",
            "<listen type='address'/>",
          ),
          content.map((text) => `<listen type='${text}'/>`),
        ),
        { nil: undefined },
      ),
    })
    .map(({ port, listen, passwd, child }) => {
      const attributes = [
        port === undefined ? '' : ` port='${escapeXml(port)}'`,
        listen === undefined ? '' : ` listen='${escapeXml(listen)}'`,
        passwd === undefined ? '' : ` passwd='${passwd}'`,
      ].join('');
      return `<graphics type='vnc'${attributes}>${child ?? ''}</graphics>`;
    }),
);

const metadataChild = fc.oneof(
  content.map((text) => `<name>${text}</name>`),
  content.map((text) => `<os>${text}</os>`),
  fc.oneof(fc.constantFrom('vnc', 'xdmcp'), content).map((text) => `<protocol>${text}</protocol>`),
  fc
    .tuple(attribute, fc.option(attribute, { nil: undefined }))
    .map(([host, port]) => `<xdmcp host='${escapeXml(host)}'${port === undefined ? '' : ` port='${escapeXml(port)}'`}/>`),
  content.map((text) => `<pool>${text}</pool>`),
  fc
    .tuple(fc.oneof(fc.constant('after-session'), content), fc.option(content, { nil: undefined }))
    .map(([when, snapshot]) => `<reset when='${escapeXml(when)}'${snapshot === undefined ? '' : ` snapshot='${escapeXml(snapshot)}'`}/>`),
  content.map((text) => `<${/^[a-z]+$/.test(text) ? text : 'other'}/>`),
);

const metadata = fc.oneof(
  fc.constant(''),
  fc.array(metadataChild, { maxLength: 6 }).map((children) => `<metadata><vdd:guest xmlns:vdd='${vddNamespace}'>${children.join('')}</vdd:guest></metadata>`),
  fc
    .array(metadataChild, { maxLength: 3 })
    .map((children) => `<metadata><guest xmlns='${vddNamespace}'>${children.join('')}</guest><guest xmlns='${vddNamespace}'/></metadata>`),
  content.map(
    (text) =>
      `<metadata><libosinfo:libosinfo xmlns:libosinfo='http://libosinfo.org/xmlns/libvirt/domain/1.0'><libosinfo:os id='${escapeXml(text)}'/></libosinfo:libosinfo></metadata>`,
  ),
);

const domainXml = fc
  .record({
    id: fc.option(fc.constantFrom('1', '-1', '7', 'x'), { nil: undefined }),
    name: fc.oneof(fc.stringMatching(/^[a-z][a-z0-9-]{0,20}$/), content),
    uuid: fc.oneof(uuid, content),
    title: fc.option(content, { nil: undefined }),
    metadata,
    graphics,
  })
  .map(
    ({ id, name, uuid, title, metadata, graphics }) =>
      `<domain type='qemu'${id === undefined ? '' : ` id='${id}'`}><name>${name}</name><uuid>${uuid}</uuid>${title === undefined ? '' : `<title>${title}</title>`}${metadata}<devices>${graphics}</devices></domain>`,
  );

/** Sometimes a valid document cut or with hostile pieces spliced in anywhere. */
const mangled = fc.tuple(domainXml, fc.nat(), fc.array(hostilePiece, { maxLength: 3 }), fc.boolean()).map(([xml, at, pieces, cut]) => {
  const position = at % (xml.length + 1);
  return cut ? xml.slice(0, position) : `${xml.slice(0, position)}${pieces.join('')}${xml.slice(position)}`;
});

const state = fc.constantFrom<DomainState>(...domainStates);

describe('libvirt domain XML and vdd metadata from a VM host', () => {
  it(`either reads a domain into a valid guest or refuses it with DomainXmlError (${fuzzRuns} inputs)`, () => {
    fc.assert(
      fc.property(
        fc.oneof({ arbitrary: domainXml, weight: 4 }, { arbitrary: mangled, weight: 2 }, { arbitrary: hostileText(400), weight: 1 }),
        state,
        fc.nat(2),
        (xml, domainState, which) => {
          let description: ReturnType<typeof readDomainXml>;
          try {
            description = readDomainXml(xml);
          } catch (error) {
            expect(error).toBeInstanceOf(DomainXmlError);
            expectTerminalSafe(JSON.stringify((error as Error).message));
            return;
          }
          const listed = domainGuest({ description, state: domainState }, contexts[which] as HostContext);
          if (listed === undefined) return;
          const { guest } = listed;
          expect(guestSchema.safeParse(guest).success).toBe(true);
          expectTerminalSafe(guest.name);
          expectTerminalSafe(guest.os);
          if (guest.reason !== undefined) expectTerminalSafe(guest.reason);
          if (guest.state === 'stopped') expect(guest.port).toBeUndefined();
          if (guest.protocol === 'vnc' && guest.port !== undefined) expect(guest.port).toBe(description.vnc?.port);
          if (guest.state === 'running' && guest.protocol === 'vnc') expect(description.vnc?.hasPassword).toBe(true);
        },
      ),
      { numRuns: fuzzRuns },
    );
  });

  it(`gives any definition with VNC graphics an expired password, or says it cannot (${fuzzRuns / 10} inputs)`, () => {
    fc.assert(
      fc.property(domainXml, (xml) => {
        try {
          expect(readDomainXml(withExpiredPassword(xml)).vnc?.hasPassword).toBe(true);
        } catch (error) {
          expect((error as Error).name).toMatch(/^(HostProblem|DomainXmlError)$/);
        }
      }),
      { numRuns: fuzzRuns / 10 },
    );
  });

  it(`reads virsh's event and state lines or ignores them (${fuzzRuns} inputs)`, () => {
    const line = fc.oneof(
      hostileText(200),
      fc
        .tuple(
          fc.constantFrom('lifecycle', 'graphics', 'reboot', 'x'),
          content,
          fc.constantFrom('connect', 'initialize', 'disconnect', 'Started Booted'),
          content,
        )
        .map(([kind, domain, phase, rest]) => `event '${kind}' for domain '${domain}': ${phase} local[IPv4 127.0.0.1 5900] remote[${rest}] vnc`),
    );
    fc.assert(
      fc.property(line, fc.array(line, { maxLength: 5 }), (one, many) => {
        const event = parseEventLine(one);
        if (event?.kind === 'console') expect(['connect', 'initialize', 'disconnect']).toContain(event.phase);
        for (const found of parseDomainStates(many.join('\n')).values()) expect(domainStates).toContain(found);
      }),
      { numRuns: fuzzRuns },
    );
  });
});
