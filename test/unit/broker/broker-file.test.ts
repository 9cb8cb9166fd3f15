// vdd-broker's catalog file and command line.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readCatalogFile } from '../../../broker/catalog-file.ts';
import { parseBrokerCommandLine, parseListen } from '../../../broker/options.ts';
import { useTempDir } from '../../support/temp-dir.ts';

describe('the catalog file', () => {
  const dir = useTempDir();
  const file = (body: unknown) => {
    const path = join(dir, `${Math.random()}.json`);
    writeFileSync(path, JSON.stringify(body));
    return path;
  };
  const base = { version: 1, broker: { id: 'lab', name: 'Lab' }, ttl: 30 };
  const vnc = { id: 'win', name: 'ReactOS', os: 'ReactOS', protocol: 'vnc', host: '10.0.0.3', port: 5901 };

  it('takes the protocol shape, state optional, and keeps broker-only settings apart', () => {
    const parsed = readCatalogFile(file({ ...base, guests: [{ ...vnc, auth: 'vnc-password', passwordFile: '/srv/vnc/win.passwd' }] }));
    expect(parsed.guests).toEqual([{ guest: { ...vnc, auth: 'vnc-password', state: 'unavailable' }, backend: { passwordFile: '/srv/vnc/win.passwd' } }]);
  });

  it('names the file and the problem', () => {
    expect(() => readCatalogFile(file({ ...base, guests: [{ ...vnc, passwordFile: '/x' }] }))).toThrow(
      /\.json: guests\[0\]\.passwordFile: only for guests with "auth": "vnc-password"/,
    );
    expect(() => readCatalogFile(file({ ...base, guests: [{ ...vnc, passwordFile: 'relative' }] }))).toThrow(/must be an absolute path/);
    expect(() => readCatalogFile(join(dir, 'missing.json'))).toThrow(/missing\.json: no such file/);
  });
});

describe('the command line', () => {
  it('parses listen addresses', () => {
    expect(parseListen('127.0.0.1:8080')).toEqual({ host: '127.0.0.1', port: 8080 });
    expect(parseListen(':80')).toEqual({ host: '0.0.0.0', port: 80 });
    expect(parseListen('[::1]:8443')).toEqual({ host: '::1', port: 8443 });
    expect(() => parseListen('8080')).toThrow('expected HOST:PORT');
    expect(() => parseListen('a:70000')).toThrow('expected HOST:PORT');
  });

  it('needs a catalog and both TLS files', () => {
    expect(() => parseBrokerCommandLine([])).toThrow('--catalog FILE is required');
    expect(() => parseBrokerCommandLine(['--catalog', 'c', '--tls-cert', 'x'])).toThrow('--tls-cert and --tls-key go together');
    expect(() => parseBrokerCommandLine(['--catalog', 'c', '--probe-interval', 'soon'])).toThrow('--probe-interval soon: expected a whole number');
    expect(parseBrokerCommandLine(['--catalog', 'c']).options).toMatchObject({
      host: '0.0.0.0',
      port: 8080,
      probeIntervalMs: 15_000,
      passwordTtlMs: 30_000,
      tls: undefined,
    });
  });
});
