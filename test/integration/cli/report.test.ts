// vdd-launcher report, the built single executable on this machine's real hardware (through
// systeminformation and /sys), and --upload to a real vdd-broker that keeps the report.
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { totalmem } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { startBroker } from '../../support/broker.ts';
import { useChildren } from '../../support/children.ts';
import { isolatedArgs, requireLauncher, runLauncher } from '../../support/launcher-binary.ts';
import { freeTcpPort } from '../../support/peers/free-port.ts';
import { useTempDir } from '../../support/temp-dir.ts';
import { x86_64Level } from '../../../launcher/profile/x86-level.ts';

const children = useChildren();
const dir = useTempDir();
const mac = '52:54:00:0a:0b:0c';

beforeAll(() => requireLauncher());

function cpuFlags(): string[] {
  const line = readFileSync('/proc/cpuinfo', 'utf8')
    .split('\n')
    .find((row) => row.startsWith('flags'));
  return (line?.split(':')[1] ?? '').trim().split(/\s+/);
}

describe('vdd-launcher report', () => {
  it('--json describes this machine as the kernel sees it, with a verdict', () => {
    const result = runLauncher(['report', '--json', ...isolatedArgs(dir)]);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    const report = JSON.parse(result.stdout);
    expect(report.format).toBe(1);
    expect(['fit', 'fit-with-limits', 'unfit']).toContain(report.verdict);
    expect(report.cpu.x86_64Level).toBe(x86_64Level(cpuFlags()));
    expect(Math.abs(report.memory.totalMiB - totalmem() / 2 ** 20)).toBeLessThan(2);
    const physicalLinks = readdirSync('/sys/class/net')
      .filter((name) => existsSync(join('/sys/class/net', name, 'device')))
      .sort();
    expect(report.network.map((nic: { name: string }) => nic.name)).toEqual(physicalLinks);
    expect(report.firmware.type).toBe(existsSync('/sys/firmware/efi') ? 'uefi' : 'bios');
    expect(report.netboot).toEqual({ seen: false, from: null });
    for (const finding of report.findings) expect(['unfit', 'limit', 'note']).toContain(finding.level);
  });

  it('prints text a refurbisher reads at 80 columns, verdict first', () => {
    const result = runLauncher(['report', ...isolatedArgs(dir)]);
    expect(result.status).toBe(0);
    const lines = result.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^Verdict: (FIT|FIT WITH LIMITS|UNFIT) - /);
    for (const line of lines) expect(line.length).toBeLessThanOrEqual(80);
    for (const label of ['Computer', 'CPU', 'Memory', 'Network', 'Graphics', 'Disks', 'Firmware', 'Netboot'])
      expect(result.stdout).toMatch(new RegExp(`^${label} +\\S`, 'm'));
  });

  it('sees a network boot on the kernel command line', () => {
    const cmdline = join(dir, 'cmdline');
    writeFileSync(cmdline, 'console=ttyS0 vdd.root=http://10.0.2.100/vdd/current/root.squashfs vdd.root_size=1\n');
    const args = isolatedArgs(dir);
    args.splice(args.indexOf('--cmdline'), 2, '--cmdline', cmdline);
    const report = JSON.parse(runLauncher(['report', '--json', ...args]).stdout);
    expect(report.netboot).toEqual({ seen: true, from: 'http://10.0.2.100' });
    expect(report.findings.some((finding: { area: string }) => finding.area === 'netboot')).toBe(false);
  });
});

describe('vdd-launcher report --upload', () => {
  it('sends the report to the broker, which keeps it under the MAC', async () => {
    const reports = join(dir, 'reports.jsonl');
    const broker = await startBroker(children, dir, [], { extraArgs: ['--reports', reports] });
    const result = runLauncher(['report', '--json', '--upload', '--broker', broker.url, '--mac', mac, ...isolatedArgs(dir)]);
    expect(result.status, result.stderr).toBe(0);
    expect(result.stderr).toBe(`vdd-launcher report: uploaded to ${broker.url}\n`);
    const printed = JSON.parse(result.stdout);
    const kept = readFileSync(reports, 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(kept).toHaveLength(1);
    expect(kept[0].report.client.mac).toBe(mac);
    expect(kept[0].report.hardware).toMatchObject({ verdict: printed.verdict, ramMiB: printed.memory.totalMiB, x86_64Level: printed.cpu.x86_64Level });
  });

  it('fails over to the next broker and names the one that did not answer', async () => {
    const reports = join(dir, 'reports-2.jsonl');
    const broker = await startBroker(children, dir, [], { extraArgs: ['--reports', reports] });
    const dead = `http://127.0.0.1:${await freeTcpPort()}/`;
    const result = runLauncher(['report', '--upload', '--broker', dead, '--broker', broker.url, '--mac', mac, ...isolatedArgs(dir)]);
    expect(result.status, result.stderr).toBe(0);
    expect(readFileSync(reports, 'utf8')).toContain(mac);

    const failed = runLauncher(['report', '--upload', '--broker', dead, '--mac', mac, ...isolatedArgs(dir)]);
    expect(failed.status).toBe(1);
    expect(failed.stderr).toContain(`not uploaded: ${dead}v1/clients/52%3A54%3A00%3A0a%3A0b%3A0c/report: connection refused`);
  });

  it('says so with exit status 4 when no broker is found', () => {
    const result = runLauncher(['report', '--upload', '--mac', mac, ...isolatedArgs(dir)]);
    expect(result.status).toBe(4);
    expect(result.stderr).toMatch(/not uploaded: no broker found/);
  });
});
