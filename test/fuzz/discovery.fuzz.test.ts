// What discovery reads from the network and the files the DHCP hook leaves: lease files, DHCP
// options 224 and 43, DNS-SD / DNS TXT keys and service URLs, resolv.conf, and SRV answers on the
// wire from a scripted DNS server. Every input gives broker URLs that are plain http(s) URLs
// without credentials, or the module's own error in terminal-safe words.
import { createSocket } from 'node:dgram';
import { Resolver } from 'node:dns/promises';
import { writeFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { DhcpLeaseError, readDhcpLease } from '../../launcher/discovery/dhcp-lease.ts';
import { brokersFromOption224, brokersFromOption43, DhcpOptionError } from '../../launcher/discovery/dhcp-options.ts';
import { resolvConfDomains, srvBrokers } from '../../launcher/discovery/dns-srv-source.ts';
import { serviceUrl, txtKeys } from '../../launcher/discovery/service-url.ts';
import { isHost, isHostname } from '../../common/net/host.ts';
import { expectTerminalSafe, fuzzRuns, hostileBytes, hostileText } from '../support/fuzz.ts';
import { useTempDir } from '../support/temp-dir.ts';

/** A broker URL discovery may hand on: http(s), no credentials, a valid host, terminal-safe. */
function expectBrokerUrl(url: string): void {
  expectTerminalSafe(url);
  const parsed = new URL(url);
  expect(['http:', 'https:']).toContain(parsed.protocol);
  expect(parsed.username + parsed.password).toBe('');
  expect(isHost(parsed.hostname.replace(/^\[(.*)\]$/, '$1'))).toBe(true);
}

const urlText = fc.oneof(
  fc.webUrl({ withQueryParameters: true, withFragments: true }),
  fc.constantFrom('http://a/', 'https://10.0.0.2:8443/vdd', 'http://user:pw@a/', 'ftp://a/', 'http://[::1]:8080/'),
  hostileText(80),
);
const urlListText = fc.array(fc.oneof(urlText, fc.constantFrom(',', ' ', '\0', '\n')), { maxLength: 10 }).map((parts) => parts.join(''));

describe('DHCP options', () => {
  const decode = (decoder: (bytes: Buffer) => readonly string[], bytes: Buffer) => {
    try {
      for (const url of decoder(bytes)) expectBrokerUrl(url);
    } catch (error) {
      if (!(error instanceof DhcpOptionError)) throw error;
      expectTerminalSafe(error.message);
    }
  };

  it('224: a URL list or DhcpOptionError', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          urlListText.map((text) => Buffer.from(text)),
          hostileBytes(255),
        ),
        (bytes) => decode(brokersFromOption224, bytes),
      ),
      { numRuns: fuzzRuns },
    );
  });

  it('43: sub-options or plain text, a URL list or DhcpOptionError', () => {
    const subOption = fc
      .tuple(
        fc.oneof(fc.constantFrom(0, 1, 1, 2, 255), fc.integer({ min: 0, max: 255 })),
        fc.oneof(
          urlListText.map((text) => Buffer.from(text)),
          hostileBytes(40),
        ),
        fc.integer({ min: -3, max: 3 }),
      )
      .map(([code, value, lie]) =>
        code === 0 || code === 255 ? Buffer.from([code]) : Buffer.concat([Buffer.from([code, Math.max(0, Math.min(255, value.length + lie))]), value]),
      );
    const option43 = fc.oneof(
      fc.array(subOption, { maxLength: 5 }).map((parts) => Buffer.concat(parts).subarray(0, 255)),
      urlListText.map((text) => Buffer.from(text)),
      hostileBytes(255),
    );
    fc.assert(
      fc.property(option43, (bytes) => decode(brokersFromOption43, bytes)),
      { numRuns: fuzzRuns },
    );
  });
});

describe('the DHCP lease file', () => {
  const dir = useTempDir();
  const file = join(dir, 'dhcp.env');
  const hex = fc.oneof(
    urlListText.map((text) => Buffer.from(text).subarray(0, 255).toString('hex')),
    hostileBytes(300).map((bytes) => bytes.toString('hex')),
    hostileText(20),
  );
  const value = fc.oneof(
    fc.domain(),
    fc.ipV4(),
    fc.array(fc.oneof(fc.domain(), fc.ipV4(), fc.ipV6()), { maxLength: 4 }).map((parts) => parts.join(' ')),
    hostileText(60),
  );
  const line = fc.oneof(
    fc.tuple(fc.constantFrom('interface', 'ip', 'domain', 'search', 'dns'), value).map(([key, text]) => `${key}=${text}`),
    fc.tuple(fc.constantFrom('opt224', 'opt43'), hex).map(([key, text]) => `${key}=${text}`),
    fc.constantFrom('# comment', '', 'x=1', 'KEY=1', 'opt224'),
    hostileText(80),
  );
  const lease = fc.array(line, { maxLength: 12 }).map((lines) => lines.join('\n'));

  it('gives checked values or DhcpLeaseError', () => {
    fc.assert(
      fc.property(lease, (text) => {
        writeFileSync(file, text);
        try {
          const read = readDhcpLease(file);
          if (read === undefined) return;
          if (read.interface !== undefined) expectTerminalSafe(read.interface);
          for (const name of [...(read.domain === undefined ? [] : [read.domain]), ...read.search]) expect(isHostname(name)).toBe(true);
          for (const address of read.dns) expect(isIP(address)).not.toBe(0);
          for (const option of [read.option224, read.option43]) if (option !== undefined) expect(option.length).toBeLessThanOrEqual(255);
        } catch (error) {
          if (!(error instanceof DhcpLeaseError)) throw error;
          expectTerminalSafe(error.message);
        }
      }),
      { numRuns: fuzzRuns },
    );
  });

  it('refuses a huge file', () => {
    writeFileSync(file, `# ${'x'.repeat(1 << 20)}\n`);
    expect(() => readDhcpLease(file)).toThrow(/larger than/);
  });
});

describe('service records', () => {
  const txtEntry = fc.oneof(
    fc
      .tuple(
        fc.constantFrom('path', 'PATH', 'scheme', 'Scheme', 'x'),
        fc.oneof(fc.constantFrom('/', '/vdd', 'http', 'https', 'HTTPS', 'ftp', '//evil', '/a b', '/%2e%2e/'), hostileText(40)),
      )
      .map(([key, text]) => `${key}=${text}`),
    hostileText(60),
  );
  const host = fc.oneof(
    fc.domain(),
    fc.domain().map((name) => `${name}.`),
    fc.ipV4(),
    fc.ipV6(),
    hostileText(40),
    fc.constantFrom('a@b', 'a/b', 'a:1', '[::1]', ''),
  );

  it("give a broker URL on the record's host and port, or nothing", () => {
    fc.assert(
      fc.property(host, fc.integer({ min: 0, max: 65535 }), fc.array(txtEntry, { maxLength: 6 }), (name, port, txt) => {
        const url = serviceUrl(name, port, txtKeys(txt));
        if (url === undefined) return;
        expectBrokerUrl(url);
        const parsed = new URL(url);
        expect(parsed.hostname.replace(/^\[(.*)\]$/, '$1').toLowerCase()).toBe(
          new URL(`http://${isIP(name) === 6 ? `[${name}]` : name.replace(/\.$/, '')}/`).hostname.replace(/^\[(.*)\]$/, '$1'),
        );
        expect(Number(parsed.port || (parsed.protocol === 'https:' ? 443 : 80))).toBe(port);
        expect(parsed.search + parsed.hash).toBe('');
      }),
      { numRuns: fuzzRuns },
    );
  });

  it('resolv.conf gives only domain names', () => {
    const line = fc.oneof(
      fc
        .tuple(fc.constantFrom('search', 'domain', 'nameserver', 'options', '#search'), fc.array(fc.oneof(fc.domain(), hostileText(20)), { maxLength: 4 }))
        .map(([keyword, names]) => [keyword, ...names].join(fc.sample(fc.constantFrom(' ', '\t', '  '), 1)[0])),
      hostileText(80),
    );
    fc.assert(
      fc.property(
        fc.array(line, { maxLength: 10 }).map((lines) => lines.join('\n')),
        (text) => {
          for (const name of resolvConfDomains(text)) expect(isHostname(name)).toBe(true);
        },
      ),
      { numRuns: fuzzRuns },
    );
  });
});

/** One DNS name on the wire: labels as length-prefixed bytes, the root as 0. */
function wireName(labels: readonly Buffer[]): Buffer {
  return Buffer.concat([...labels.flatMap((label) => [Buffer.from([label.length]), label]), Buffer.from([0])]);
}

function u16(value: number): Buffer {
  const bytes = Buffer.alloc(2);
  bytes.writeUInt16BE(value & 0xffff);
  return bytes;
}

describe('DNS SRV answers on the wire', async () => {
  type Srv = { priority: number; weight: number; port: number; target: Buffer[] };
  let answer: { srv: Srv[]; txt: Buffer[]; garbage: Buffer | undefined } = { srv: [], txt: [], garbage: undefined };
  const server = createSocket('udp4');
  server.on('message', (query, peer) => {
    // Echo the question, then the scripted records, each naming it by a pointer to offset 12.
    const questionEnd = query.indexOf(0, 12) + 5;
    const type = query.readUInt16BE(questionEnd - 4);
    const records =
      type === 33
        ? answer.srv.map((record) => Buffer.concat([u16(record.priority), u16(record.weight), u16(record.port), wireName(record.target)]))
        : answer.txt.length > 0
          ? [Buffer.concat(answer.txt.map((entry) => Buffer.concat([Buffer.from([entry.length]), entry])))]
          : [];
    const header = Buffer.concat([query.subarray(0, 2), u16(0x8180), u16(1), u16(records.length), u16(0), u16(0)]);
    const body =
      answer.garbage ??
      Buffer.concat(records.map((rdata) => Buffer.concat([u16(0xc00c), u16(type), u16(1), Buffer.from([0, 0, 0, 60]), u16(rdata.length), rdata])));
    server.send(Buffer.concat([header, query.subarray(12, questionEnd), body]).subarray(0, 4096), peer.port, peer.address);
  });
  await new Promise<void>((resolve) => server.bind(0, '127.0.0.1', resolve));
  afterAll(() => server.close());
  const resolver = new Resolver({ timeout: 500, tries: 1 });
  resolver.setServers([`127.0.0.1:${server.address().port}`]);

  // Mostly host names: the resolver refuses a whole answer for one name it cannot decode.
  const hostLabel = fc.stringMatching(/^[a-z0-9]([a-z0-9-]{0,10}[a-z0-9])?$/).map((text) => Buffer.from(text));
  const oddLabel = fc.oneof(
    fc.constantFrom('a.b', 'a b', 'a\\', '\u001b[2J', 'x@y', '-a', '*').map((text) => Buffer.from(text)),
    hostileBytes(20).filter((bytes) => bytes.length > 0),
  );
  const target = fc.oneof(
    { arbitrary: fc.array(hostLabel, { maxLength: 4 }), weight: 10 },
    { arbitrary: fc.array(fc.oneof(hostLabel, oddLabel), { minLength: 1, maxLength: 4 }), weight: 1 },
  );
  const srv = fc.record({ priority: fc.nat(65535), weight: fc.nat(65535), port: fc.nat(65535), target });
  const txt = fc.oneof(
    fc.constantFrom('path=/vdd', 'scheme=https', 'scheme=ftp', 'path=//x').map((text) => Buffer.from(text)),
    hostileBytes(60),
  );
  const script = fc.record({ srv: fc.array(srv, { maxLength: 12 }), txt: fc.array(txt, { maxLength: 4 }), garbage: fc.option(hostileBytes(64), { freq: 30 }) });

  it('give broker URLs from the records, or an error in terminal-safe words, within the resolver timeout', async () => {
    let found = 0;
    await fc.assert(
      fc.asyncProperty(script, async (next) => {
        answer = { ...next, garbage: next.garbage ?? undefined };
        try {
          const brokers = await srvBrokers(resolver, 'lab.test');
          expect(brokers.length).toBeLessThanOrEqual(8);
          found += brokers.length;
          for (const broker of brokers) {
            expectBrokerUrl(broker.url);
            expectTerminalSafe(broker.via);
          }
        } catch (error) {
          expectTerminalSafe((error as Error).message);
        }
      }),
      { numRuns: fuzzRuns },
    );
    // The records must get through the resolver, or the checks above prove nothing.
    expect(found).toBeGreaterThan(fuzzRuns / 25);
  });
});
