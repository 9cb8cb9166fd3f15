// The launcher's PEM files (broker_ca, broker_client_cert/key): a long-running launcher uses a
// replaced file from the next request on, and a broken one is an error naming the file and its key.
import { renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { certificateAuthority, clientIdentity } from '../../../launcher/broker-client/http-request.ts';
import { useTempDir } from '../../support/temp-dir.ts';

const dir = useTempDir();
const certificate = (body: string) => `-----BEGIN CERTIFICATE-----\n${body}\n-----END CERTIFICATE-----\n`;

describe('broker PEM files', () => {
  it('reads a replaced CA file again', () => {
    const ca = join(dir, 'ca.pem');
    writeFileSync(ca, certificate('old'));
    expect(certificateAuthority('https://b/', ca)).toContain('old');
    writeFileSync(`${ca}.new`, certificate('new'));
    renameSync(`${ca}.new`, ca);
    expect(certificateAuthority('https://b/', ca)).toContain('new');
  });

  it('reads a replaced client certificate and key again', () => {
    const [certFile, keyFile] = [join(dir, 'client.pem'), join(dir, 'client.key')];
    writeFileSync(certFile, certificate('one'));
    writeFileSync(keyFile, '-----BEGIN PRIVATE KEY-----\nkey one\n-----END PRIVATE KEY-----\n');
    expect(clientIdentity('https://b/', { certFile, keyFile }).key).toContain('key one');
    writeFileSync(certFile, certificate('two'));
    writeFileSync(keyFile, '-----BEGIN PRIVATE KEY-----\nkey two\n-----END PRIVATE KEY-----\n');
    expect(clientIdentity('https://b/', { certFile, keyFile })).toMatchObject({
      cert: expect.stringContaining('two'),
      key: expect.stringContaining('key two'),
    });
  });

  it('names the file and its config key when a file is missing or holds no PEM', () => {
    expect(() => certificateAuthority('https://b/', join(dir, 'missing.pem'))).toThrow(/missing\.pem \(config key broker_ca\)/);
    const empty = join(dir, 'empty.pem');
    writeFileSync(empty, 'not a certificate');
    expect(() => certificateAuthority('https://b/', empty)).toThrow(`${empty} (config key broker_ca) holds no PEM certificate`);
  });
});
