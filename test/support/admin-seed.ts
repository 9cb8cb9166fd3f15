// A lab for the admin page's tests and benchmarks: a --reports file as a broker writes it, with
// PCs that run published and unpublished versions, are mid-update, rolled back or unfit, and
// reported sessions with their QoE figures over the last hour; an admin token file; a catalog.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ClientReport, Guest } from '../../common/protocol/broker-protocol.ts';

export const seedToken = 'seed-admin-token-0123456789';

export function seedMac(index: number): string {
  return `52:54:00:${[(index >> 16) & 255, (index >> 8) & 255, index & 255].map((byte) => byte.toString(16).padStart(2, '0')).join(':')}`;
}

export function seedHostname(index: number): string {
  return `lab-pc${String(index).padStart(4, '0')}`;
}

export function seedGuests(count = 6): Guest[] {
  return Array.from({ length: count }, (_, index) => ({
    id: `desktop-${index + 1}`,
    name: `Desktop ${index + 1}`,
    os: index % 2 === 0 ? 'Debian 12' : 'ReactOS 0.4',
    protocol: index % 2 === 0 ? 'xdmcp' : 'vnc',
    host: '127.0.0.1',
    port: index % 2 === 0 ? 177 : 5900 + index,
    state: index === count - 1 ? 'stopped' : 'running',
  }));
}

/** PC index's report as it arrived at receivedAt: its facts and a few sessions of the last hour. */
export function seedReport(index: number, now: number, options: { versions: readonly string[]; guests: readonly Guest[]; sessions: number }): ClientReport {
  const version = options.versions[index % options.versions.length] ?? '1';
  const update: ClientReport['update'] =
    index % 97 === 5
      ? { state: 'rolled-back', version: '2026.12.1', reason: 'slot b did not reach the menu on its trial start' }
      : index % 41 === 3
        ? { state: 'downloading', version: '2026.12.1', percent: (index * 7) % 100 }
        : { state: 'current' };
  return {
    client: { mac: seedMac(index), hostname: seedHostname(index), ips: [`10.0.${(index >> 8) & 255}.${index & 255}`] },
    launcherVersion: '0.1.0',
    image: { name: 'vdd-thin', version },
    update,
    fitness: index % 53 === 7 ? 'unfit' : index % 9 === 0 ? 'fit-with-limits' : 'fit',
    hardware: { cpu: index % 3 === 0 ? 'Pentium 4 2.80GHz' : 'Core 2 Duo E8400', ramMiB: index % 3 === 0 ? 512 : 2048 },
    sessions: Array.from({ length: options.sessions }, (_, n) => ({
      guestId: options.guests[(index + n) % options.guests.length]?.id ?? 'desktop-1',
      protocol: 'vnc' as const,
      startedAt: new Date(now - (n + 1) * 5 * 60_000).toISOString(),
      seconds: 240,
      outcome: (index + n) % 31 === 0 ? ('dropped' as const) : ('ended' as const),
      rttMs: 0.5 + ((index * 13 + n * 7) % 40) / 10,
      firstFrameMs: 300 + ((index * 37 + n * 911) % 2400),
    })),
  };
}

export type SeededLab = { readonly catalogFile: string; readonly tokenFile: string; readonly reportsFile: string; readonly guests: readonly Guest[] };

/** Writes the catalog, token and report files of a lab of pcs PCs into dir. */
export function seedLab(dir: string, pcs: number, options: { versions?: readonly string[]; sessionsPerPc?: number; now?: number } = {}): SeededLab {
  const now = options.now ?? Date.now();
  const guests = seedGuests();
  const catalogFile = join(dir, 'admin-catalog.json');
  writeFileSync(catalogFile, JSON.stringify({ version: 1, broker: { id: 'lab3', name: 'Lab 3' }, ttl: 30, guests }));
  const tokenFile = join(dir, 'admin-token');
  writeFileSync(tokenFile, `${seedToken}\n`, { mode: 0o600 });
  const reportsFile = join(dir, 'reports.jsonl');
  const versions = options.versions ?? ['2026.11.2', '2026.11.2', '2026.11.2', '2026.11.1', '2026.10.9'];
  const lines: string[] = [];
  for (let index = 0; index < pcs; index++) {
    const receivedAt = now - ((index * 7919) % 3_000_000);
    const report = seedReport(index, receivedAt, { versions, guests, sessions: options.sessionsPerPc ?? 3 });
    lines.push(JSON.stringify({ receivedAt: new Date(receivedAt).toISOString(), from: report.client.ips?.[0] ?? '10.0.0.1', report }));
  }
  writeFileSync(reportsFile, `${lines.join('\n')}\n`);
  return { catalogFile, tokenFile, reportsFile, guests };
}
