// The image's DHCP hook (overlays/common/usr/share/vdd/udhcpc-hook) run by busybox sh as udhcpc runs it:
// what it writes, that hostile option values never reach the file, and that a lost lease
// removes it.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { readDhcpLease } from '../../../launcher/discovery/dhcp-lease.ts';
import { useTempDir } from '../../support/temp-dir.ts';
import { announceSkip, missingTools } from '../../support/skip-reason.ts';

const hook = fileURLToPath(new URL('../../../overlays/common/usr/share/vdd/udhcpc-hook', import.meta.url));

const unavailable = announceSkip('udhcpc hook tests', missingTools(['busybox']));

describe.skipIf(unavailable)('udhcpc-hook', () => {
  const dir = useTempDir();
  const run = (event: string, env: Record<string, string>) =>
    execFileSync('busybox', ['sh', hook, event], { env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env } });

  it('writes the lease for the launcher in one file, and removes it when the lease goes', () => {
    const file = join(dir, 'run', 'dhcp.env');
    run('bound', {
      VDD_DHCP_FILE: file,
      interface: 'eth0',
      ip: '10.0.0.57',
      domain: 'lab.test',
      search: 'lab.test corp.test',
      dns: '10.0.0.1',
      opt224: Buffer.from('http://10.0.0.2:8080/').toString('hex'),
    });
    expect(readdirSync(join(dir, 'run'))).toEqual(['dhcp.env']);
    expect(readDhcpLease(file)).toMatchObject({
      interface: 'eth0',
      domain: 'lab.test',
      search: ['lab.test', 'corp.test'],
      dns: ['10.0.0.1'],
      option224: Buffer.from('http://10.0.0.2:8080/'),
    });
    run('deconfig', { VDD_DHCP_FILE: file });
    expect(existsSync(file)).toBe(false);
  });

  it('drops values with characters they may not have, so the file always parses', () => {
    const file = join(dir, 'hostile.env');
    run('bound', {
      VDD_DHCP_FILE: file,
      interface: 'eth0\nopt224=41',
      domain: 'a.test\nopt43=41',
      search: '$(reboot)',
      dns: '10.0.0.1;x',
      opt224: 'zz',
      opt43: '0a',
    });
    const text = readFileSync(file, 'utf8');
    expect(text).toBe(
      '# broker options of the DHCP lease, written by udhcpc-hook; read by vdd-launcher\ninterface=\nip=\ndomain=\nsearch=\ndns=\nopt224=\nopt43=0a\n',
    );
    expect(readDhcpLease(file)).toMatchObject({ domain: undefined, option224: undefined, option43: Buffer.from([10]) });
  });
});
