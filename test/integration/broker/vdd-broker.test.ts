// vdd-broker against the launcher's real client, over HTTP and HTTPS with a test CA: ETag, reload
// (a bad file keeps the old catalog), failover, the cache when the broker dies, one-time VNC
// passwords checked against a real Xvnc, client reports.
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { fetchCatalog } from '../../../launcher/broker-client/catalog-fetch.ts';
import { requestSession } from '../../../launcher/broker-client/session-request.ts';
import { sendReport } from '../../../launcher/broker-client/client-report.ts';
import { probeRfb } from '../../../common/probe/rfb-handshake.ts';
import { useChildren, waitFor } from '../../support/children.ts';
import { requireLauncher, runLauncher } from '../../support/launcher-binary.ts';
import { makeTestCa } from '../../support/peers/test-ca.ts';
import { startVddBroker } from '../../support/peers/vdd-broker.ts';
import { startXvnc } from '../../support/peers/xvnc.ts';
import { startQemuVnc } from '../../support/peers/qemu-vnc.ts';
import { freeTcpPort } from '../../support/peers/free-port.ts';
import { useTempDir } from '../../support/temp-dir.ts';

const client = { mac: '52:54:00:12:34:56', hostname: 'lab-pc07' };

function catalog(guests: readonly Record<string, unknown>[], name = 'Test broker') {
  return { version: 1, broker: { id: 'test', name }, ttl: 30, guests };
}

const xdmcpGuest = { id: 'debian', name: 'Debian desktop', os: 'Debian 12', protocol: 'xdmcp', host: '127.0.0.1', port: 177, state: 'running' };

describe('vdd-broker with the launcher client', () => {
  const children = useChildren();
  const dir = useTempDir();
  requireLauncher();
  const options = { caFile: join(dir, 'no-ca.pem'), timeoutMs: 3000 };
  const launcherArgs = (cache: string, ...brokers: string[]) => [
    'list',
    '--cmdline',
    '/dev/null',
    '--config',
    '/dev/null',
    ...brokers.flatMap((url) => ['--broker', url]),
    '--set',
    `cache_dir=${cache}`,
    '--set',
    'discovery_sources=',
  ];

  it('serves the catalog with an ETag and answers 304 to If-None-Match', async () => {
    const file = join(dir, 'etag.json');
    writeFileSync(file, JSON.stringify(catalog([xdmcpGuest])));
    const broker = await startVddBroker(children, file, { extraArgs: ['--probe-interval', '0'] });
    const first = await fetchCatalog(broker.url, options);
    expect(first.kind).toBe('catalog');
    if (first.kind !== 'catalog') return;
    expect(first.catalog.guests.map((guest) => guest.id)).toEqual(['debian']);
    expect(first.etag).toMatch(/^".+"$/);
    expect((await fetchCatalog(broker.url, { ...options, etag: first.etag })).kind).toBe('not-modified');
  });

  it('reloads a changed catalog file and keeps the old catalog when the new file is bad', async () => {
    const file = join(dir, 'reload.json');
    writeFileSync(file, JSON.stringify(catalog([xdmcpGuest])));
    const broker = await startVddBroker(children, file, { extraArgs: ['--probe-interval', '0'] });
    writeFileSync(`${file}.new`, JSON.stringify(catalog([xdmcpGuest, { ...xdmcpGuest, id: 'fedora', name: 'Fedora' }])));
    // Replaced by rename, as editors and config tools do.
    const { renameSync } = await import('node:fs');
    renameSync(`${file}.new`, file);
    await waitFor('the new catalog', async () => {
      const answer = await fetchCatalog(broker.url, options);
      return answer.kind === 'catalog' && answer.catalog.guests.length === 2;
    });
    writeFileSync(file, JSON.stringify(catalog([xdmcpGuest, xdmcpGuest])));
    await waitFor('the broker to log the rejected file', () => broker.child.log.includes('keeping the previous catalog'), { child: broker.child });
    expect(broker.child.log).toMatch(/keeping the previous catalog: .*reload\.json: guests\[1\]\.id: duplicate guest id "debian"/);
    const answer = await fetchCatalog(broker.url, options);
    expect(answer.kind === 'catalog' && answer.catalog.guests.map((guest) => guest.id)).toEqual(['debian', 'fedora']);
  });

  it('list answers from the broker, then from the cache marked offline when the broker is killed', async () => {
    const file = join(dir, 'list.json');
    writeFileSync(file, JSON.stringify(catalog([xdmcpGuest])));
    const broker = await startVddBroker(children, file, { extraArgs: ['--probe-interval', '0'] });
    const cache = join(dir, 'cache-list');
    const online = runLauncher([...launcherArgs(cache, broker.url), '--json']);
    expect(online.stderr).toBe('');
    expect(online.status).toBe(0);
    expect(JSON.parse(online.stdout)).toMatchObject({
      online: true,
      broker: broker.url,
      via: '--broker',
      catalog: { guests: [{ id: 'debian', state: 'running' }] },
    });

    await broker.child.kill();
    const offline = runLauncher(launcherArgs(cache, broker.url));
    expect(offline.status).toBe(0);
    expect(offline.stdout).toMatch(/^OFFLINE: no broker answered; the catalog cached at .* from http:\/\/127\.0\.0\.1:\d+\//);
    expect(offline.stdout).toMatch(/debian +Debian desktop +Debian 12 +xdmcp +127\.0\.0\.1:177 +running\?/);
    expect(offline.stdout).toContain('connection refused');

    rmSync(cache, { recursive: true });
    const nothing = runLauncher(launcherArgs(cache, broker.url));
    expect(nothing.status).toBe(4);
    expect(nothing.stderr).toContain('no broker answered and no catalog is cached');
  });

  it('ignores a damaged cache file with a message', async () => {
    const cache = join(dir, 'cache-damaged');
    const { mkdirSync } = await import('node:fs');
    mkdirSync(cache);
    writeFileSync(join(cache, 'catalog.json'), '{"format":"vdd-catalog-cache-1","broker":"x"');
    const result = runLauncher(launcherArgs(cache, `http://127.0.0.1:${await freeTcpPort()}/`));
    expect(result.status).toBe(4);
    expect(result.stderr).toMatch(/ignoring the cached catalog .*catalog\.json: not JSON/);
  });

  it('fails over to the next broker in order', async () => {
    const file = join(dir, 'failover.json');
    writeFileSync(file, JSON.stringify(catalog([xdmcpGuest], 'Second broker')));
    const broker = await startVddBroker(children, file, { extraArgs: ['--probe-interval', '0'] });
    const dead = `http://127.0.0.1:${await freeTcpPort()}/`;
    const result = runLauncher([...launcherArgs(join(dir, 'cache-failover'), dead, broker.url), '--json']);
    expect(result.status).toBe(0);
    const listed = JSON.parse(result.stdout);
    expect(listed).toMatchObject({ online: true, broker: broker.url, catalog: { broker: { name: 'Second broker' } } });
    expect(listed.failures).toEqual([{ broker: dead, reason: expect.stringContaining('connection refused') }]);
  });

  it('serves https that the launcher trusts only with the right CA file', async () => {
    const ca = makeTestCa(dir, 'good', ['127.0.0.1']);
    const other = makeTestCa(dir, 'other', ['127.0.0.1']);
    const file = join(dir, 'https.json');
    writeFileSync(file, JSON.stringify(catalog([xdmcpGuest])));
    const broker = await startVddBroker(children, file, { tls: ca, extraArgs: ['--probe-interval', '0'] });
    expect(broker.url).toMatch(/^https:/);
    const args = (caFile: string) => [...launcherArgs(join(dir, `cache-https-${caFile.length}`), broker.url), '--json', '--set', `broker_ca=${caFile}`];

    const trusted = runLauncher(args(ca.caFile));
    expect(trusted.status).toBe(0);
    expect(JSON.parse(trusted.stdout)).toMatchObject({ online: true });

    const wrongCa = runLauncher(args(other.caFile));
    expect(wrongCa.status).toBe(4);
    expect(wrongCa.stderr).toContain('not signed by the broker_ca certificate');

    const missing = runLauncher(args(join(dir, 'missing-ca.pem')));
    expect(missing.status).toBe(4);
    expect(missing.stderr).toMatch(/cannot read the CA certificate .*missing-ca\.pem \(config key broker_ca\): no such file/);
  });

  it('issues one-time VNC passwords that a real Xvnc accepts once, and expires unused ones', async () => {
    const xvnc = await startXvnc(children, dir, { password: 'initial1' });
    const passwordFile = join(dir, `xvnc-${xvnc.port}.passwd`);
    const file = join(dir, 'vnc.json');
    const guest = { id: 'xvnc', name: 'Xvnc desktop', os: 'Linux', protocol: 'vnc', host: '127.0.0.1', port: xvnc.port, auth: 'vnc-password', passwordFile };
    writeFileSync(file, JSON.stringify(catalog([guest])));
    const broker = await startVddBroker(children, file, { extraArgs: ['--probe-interval', '1', '--password-ttl', '5'] });
    await waitFor('the probe to find Xvnc running', async () => {
      const answer = await fetchCatalog(broker.url, options);
      return answer.kind === 'catalog' && answer.catalog.guests[0]?.state === 'running';
    });
    // The broker gave the file a password nobody knows when it started.
    expect(await probeRfb('127.0.0.1', xvnc.port, { timeoutMs: 3000, password: 'initial1' })).toMatchObject({ ok: false, failure: 'auth-failed' });

    const session = await requestSession(broker.url, 'xvnc', client, options);
    expect(session).toMatchObject({ state: 'running', host: '127.0.0.1', port: xvnc.port, password: expect.stringMatching(/^.{8}$/) });
    const password = session?.password ?? '';
    expect(await probeRfb('127.0.0.1', xvnc.port, { timeoutMs: 3000, password })).toMatchObject({ ok: true, authentication: 'vnc-password' });
    // The same password again: spent by the first connection (the broker saw Xvnc read it).
    await waitFor('the broker to see the password used', () => /audit ticket-used guest=xvnc /.test(broker.child.log), { child: broker.child });
    expect(await probeRfb('127.0.0.1', xvnc.port, { timeoutMs: 3000, password })).toMatchObject({ ok: false, failure: 'auth-failed' });
    expect(broker.child.log).toMatch(/audit session guest=xvnc lease=\S+ peer=127\.0\.0\.1 mac=52:54:00:12:34:56 host=lab-pc07 lease_state=new ticket="until /);
    expect(broker.child.log).toMatch(/audit ticket-used guest=xvnc /);
    expect(broker.child.log).not.toContain(password);

    // The same PC asks again (a reconnect): its own lease, a new password; unused, it expires.
    const again = await requestSession(broker.url, 'xvnc', client, options);
    expect(again?.lease?.id).toBe(session?.lease?.id);
    // Probing would spend it: wait out its time to live (5 s) first, then try it once.
    await sleep(6000);
    expect(await probeRfb('127.0.0.1', xvnc.port, { timeoutMs: 3000, password: again?.password ?? '' })).toMatchObject({ ok: false, failure: 'auth-failed' });

    await expect(requestSession(broker.url, 'nope', client, options)).rejects.toThrow(/HTTP 404: no guest with id nope \(not-found\)/);
  });

  it('puts one-time passwords on a QEMU console through QMP: one connection each, a failed try does not spend it', async () => {
    const qemu = await startQemuVnc(children, dir, { password: 'initial1', qmp: true });
    const file = join(dir, 'qemu.json');
    writeFileSync(
      file,
      JSON.stringify(
        catalog([
          {
            id: 'hvm',
            name: 'Windows XP',
            os: 'Windows',
            protocol: 'vnc',
            host: '127.0.0.1',
            port: qemu.port,
            auth: 'vnc-password',
            qmpSocket: qemu.qmpSocket,
          },
        ]),
      ),
    );
    const broker = await startVddBroker(children, file, { extraArgs: ['--probe-interval', '1', '--password-ttl', '5'] });
    // The password QEMU started with was expired when the broker started.
    await waitFor('the start password expired', async () => !(await probeRfb('127.0.0.1', qemu.port, { timeoutMs: 3000, password: 'initial1' })).ok);
    await waitFor('the probe to find QEMU running', async () => {
      const answer = await fetchCatalog(broker.url, options);
      return answer.kind === 'catalog' && answer.catalog.guests[0]?.state === 'running';
    });
    const session = await requestSession(broker.url, 'hvm', client, options);
    const password = session?.password ?? '';
    expect(await probeRfb('127.0.0.1', qemu.port, { timeoutMs: 3000, password: 'wrong000' })).toMatchObject({ ok: false, failure: 'auth-failed' });
    expect(await probeRfb('127.0.0.1', qemu.port, { timeoutMs: 3000, password })).toMatchObject({ ok: true, desktop: { width: expect.any(Number) } });
    await waitFor('the broker to see the password used', () => /audit ticket-used guest=hvm /.test(broker.child.log), { child: broker.child });
    expect(await probeRfb('127.0.0.1', qemu.port, { timeoutMs: 3000, password })).toMatchObject({ ok: false, failure: 'auth-failed' });
    // Unused, a ticket expires with its time to live.
    const again = await requestSession(broker.url, 'hvm', client, options);
    await sleep(6000);
    expect(await probeRfb('127.0.0.1', qemu.port, { timeoutMs: 3000, password: again?.password ?? '' })).toMatchObject({ ok: false, failure: 'auth-failed' });
    expect(broker.child.log).not.toContain(password);
  });

  it('stops cleanly on SIGTERM, expiring outstanding passwords first', async () => {
    const passwordFile = join(dir, 'sigterm.passwd');
    const file = join(dir, 'sigterm.json');
    writeFileSync(
      file,
      JSON.stringify(catalog([{ id: 'vnc', name: 'VNC', os: 'Linux', protocol: 'vnc', host: '127.0.0.1', port: 5999, auth: 'vnc-password', passwordFile }])),
    );
    const broker = await startVddBroker(children, file, { extraArgs: ['--probe-interval', '0'] });
    await requestSession(broker.url, 'vnc', client, options);
    const issued = readFileSync(passwordFile);
    await broker.child.stop();
    expect(await broker.child.exited).toEqual({ code: 0, signal: null });
    expect(broker.child.log).toContain('SIGTERM: stopping');
    expect(readFileSync(passwordFile).equals(issued)).toBe(false);
  });

  it('keeps client reports as JSON lines and refuses bad or oversized ones', async () => {
    const file = join(dir, 'reports.json');
    writeFileSync(file, JSON.stringify(catalog([xdmcpGuest])));
    const reports = join(dir, 'reports.jsonl');
    const broker = await startVddBroker(children, file, { extraArgs: ['--probe-interval', '0', '--reports', reports] });
    await sendReport(
      broker.url,
      {
        client,
        hardware: { cpu: 'Pentium 4', ramMb: 512 },
        sessions: [{ guestId: 'debian', protocol: 'xdmcp', startedAt: '2026-11-22T09:00:00Z', seconds: 60, outcome: 'ended' }],
      },
      options,
    );
    const lines = readFileSync(reports, 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(lines).toMatchObject([{ from: '127.0.0.1', report: { client, hardware: { cpu: 'Pentium 4', ramMb: 512 } } }]);

    const post = (path: string, body: string) => fetch(new URL(path, broker.url), { method: 'POST', body, headers: { 'content-type': 'application/json' } });
    const mismatch = await post('v1/clients/52:54:00:00:00:01/report', JSON.stringify({ client }));
    expect(mismatch.status).toBe(400);
    expect(await mismatch.json()).toMatchObject({ error: { code: 'bad-request', message: expect.stringContaining('is not the MAC in the path') } });
    const huge = await post('v1/clients/52:54:00:12:34:56/report', JSON.stringify({ client, launcherVersion: 'x'.repeat(70_000) }));
    expect(huge.status).toBe(413);
    const wrongMethod = await fetch(new URL('v1/catalog', broker.url), { method: 'DELETE' });
    expect(wrongMethod.status).toBe(405);
  });
});
