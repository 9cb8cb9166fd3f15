// DHCP option decoding and the lease file the image's hook writes.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { brokersFromOption224, brokersFromOption43 } from '../../../launcher/discovery/dhcp-options.ts';
import { readDhcpLease } from '../../../launcher/discovery/dhcp-lease.ts';
import { resolvConfDomains } from '../../../launcher/discovery/dns-srv-source.ts';
import { serviceUrl, txtKeys } from '../../../launcher/discovery/service-url.ts';
import { useTempDir } from '../../support/temp-dir.ts';

const text = (value: string) => Buffer.from(value);

describe('DHCP options', () => {
  it('reads option 224 as a list of URLs', () => {
    expect(brokersFromOption224(text('http://a:8080/,https://b/vdd'))).toEqual(['http://a:8080/', 'https://b/vdd']);
    expect(brokersFromOption224(text('http://a/\0'))).toEqual(['http://a/']);
    expect(() => brokersFromOption224(text('ftp://a/'))).toThrow('DHCP option 224: expected up to 8 http:// or https:// URLs');
  });

  it('reads option 43 as sub-option 1 or as plain text', () => {
    const url = text('http://10.0.0.2:8080/');
    expect(brokersFromOption43(Buffer.concat([Buffer.from([2, 1, 9, 1, url.length]), url, Buffer.from([255])]))).toEqual(['http://10.0.0.2:8080/']);
    expect(brokersFromOption43(url)).toEqual(['http://10.0.0.2:8080/']);
    expect(() => brokersFromOption43(Buffer.from([2, 1, 9]))).toThrow('no sub-option 1');
    expect(() => brokersFromOption43(Buffer.from([1, 40, 1]))).toThrow('no sub-option 1');
  });
});

describe('the lease file', () => {
  const dir = useTempDir();
  const write = (body: string) => {
    const file = join(dir, `lease-${Math.random()}.env`);
    writeFileSync(file, body);
    return file;
  };

  it('parses what the hook writes', () => {
    const lease = readDhcpLease(
      write('# comment\ninterface=eth0\nip=10.0.0.5\ndomain=lab.test\nsearch=a.test b.test\ndns=10.0.0.1 10.0.0.2\nopt224=687474703a2f2f612f\nopt43=\n'),
    );
    expect(lease).toEqual({
      interface: 'eth0',
      domain: 'lab.test',
      search: ['a.test', 'b.test'],
      dns: ['10.0.0.1', '10.0.0.2'],
      option224: Buffer.from('http://a/'),
      option43: undefined,
    });
  });

  it('is absent without a file and refuses anything it did not write', () => {
    expect(readDhcpLease(join(dir, 'none.env'))).toBeUndefined();
    expect(() => readDhcpLease(write('opt224=zz\n'))).toThrow('opt224 is not 1-255 bytes of hex');
    expect(() => readDhcpLease(write('dns=10.0.0.1;rm\n'))).toThrow('not an IP address');
    expect(() => readDhcpLease(write('domain=bad_domain!\n'))).toThrow('not a domain name');
    expect(() => readDhcpLease(write('just text\n'))).toThrow('unexpected line');
  });
});

describe('service records', () => {
  it('makes broker URLs from address, port and TXT path= / scheme=', () => {
    expect(serviceUrl('10.0.0.2', 8080, txtKeys([]))).toBe('http://10.0.0.2:8080/');
    expect(serviceUrl('broker.lab.', 8443, txtKeys(['scheme=https', 'path=/vdd']))).toBe('https://broker.lab:8443/vdd/');
    expect(serviceUrl('fe80::1', 80, txtKeys(['path=/']))).toBe('http://[fe80::1]/');
    expect(serviceUrl('10.0.0.2', 80, txtKeys(['scheme=gopher']))).toBeUndefined();
    expect(serviceUrl('10.0.0.2', 80, txtKeys(['path=relative']))).toBeUndefined();
    expect(serviceUrl('10.0.0.2', 80, txtKeys(['path=/a b']))).toBeUndefined();
  });

  it('reads search domains from resolv.conf', () => {
    expect(resolvConfDomains('nameserver 10.0.0.1\nsearch lab.test corp.test\ndomain site.test\n# search no\n')).toEqual([
      'lab.test',
      'corp.test',
      'site.test',
    ]);
  });
});
