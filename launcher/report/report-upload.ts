// `report --upload`: the report as the broker protocol's client report (flat hardware entries,
// bounded in count and length) sent to the first broker, in failover order, that accepts it.
// Reads config keys broker_timeout and broker_ca (through brokerSettings).
import { brokerSettings } from '../broker-client/broker-settings.ts';
import { bodyLimits, type ClientReport } from '../../common/protocol/broker-protocol.ts';
import { sendReport } from '../broker-client/client-report.ts';
import type { LoadedConfig } from '../config/load.ts';
import type { ReportDocument } from './report-document.ts';

/** Per-list caps keep the entries under the protocol's bodyLimits.maxHardwareEntries. */
const caps = { findings: 12, network: 8, gpus: 4, disks: 8 } as const;
const maxValueLength = 256;

export function hardwareEntries(report: ReportDocument): Record<string, string | number | boolean> {
  const entries: Record<string, string | number | boolean> = {
    verdict: report.verdict,
    computer: `${report.computer.manufacturer} ${report.computer.model}`.trim(),
    virtual: report.computer.virtual,
    cpu: report.cpu.model,
    cpuCores: report.cpu.cores,
    x86_64Level: report.cpu.x86_64Level,
    ramMiB: report.memory.totalMiB,
    firmware: report.firmware.type,
    bios: [report.firmware.vendor, report.firmware.version, report.firmware.date].filter(Boolean).join(' '),
    netbootSeen: report.netboot.seen,
  };
  if (report.cpu.speedMHz !== null) entries.cpuMHz = report.cpu.speedMHz;
  for (const [i, finding] of report.findings.slice(0, caps.findings).entries()) entries[`finding.${i}`] = `${finding.level} ${finding.area}: ${finding.text}`;
  report.network.slice(0, caps.network).forEach((nic, i) => {
    entries[`nic.${i}`] = [
      nic.name,
      nic.mac,
      nic.driver ?? 'driver unknown',
      nic.wired ? 'wired' : 'wireless',
      nic.speedMbps === null ? (nic.up ? 'up' : 'no link') : `${nic.speedMbps} Mbit/s`,
    ].join(' ');
  });
  for (const [i, gpu] of report.gpus.slice(0, caps.gpus).entries()) entries[`gpu.${i}`] = `${gpu.vendor} ${gpu.model}`.trim();
  for (const [i, disk] of report.disks.slice(0, caps.disks).entries())
    entries[`disk.${i}`] = `${disk.name} ${disk.model} ${disk.sizeBytes} bytes ${disk.kind}${disk.removable ? ' removable' : ''}`;
  for (const [name, value] of Object.entries(entries)) if (typeof value === 'string') entries[name] = value.slice(0, maxValueLength);
  if (Object.keys(entries).length > bodyLimits.maxHardwareEntries) throw new Error(`report has more than ${bodyLimits.maxHardwareEntries} hardware entries`);
  return entries;
}

export type UploadResult = { readonly broker: string } | { readonly broker: undefined; readonly failures: readonly string[] };

/** Tries each broker in order; the failures say which broker refused and why. */
export async function uploadReport(report: ReportDocument, brokers: readonly string[], loaded: LoadedConfig): Promise<UploadResult> {
  const mac = loaded.identity.macs[0];
  if (mac === undefined) throw new Error('this PC has no network card with a MAC address, which the broker files reports under');
  const body: ClientReport = {
    client: { mac, hostname: loaded.identity.hostname, ips: [...loaded.identity.ips].slice(0, 16) },
    launcherVersion: report.launcherVersion,
    hardware: hardwareEntries(report),
  };
  const settings = brokerSettings(loaded.config);
  const failures: string[] = [];
  for (const broker of brokers) {
    try {
      await sendReport(broker, body, { timeoutMs: settings.timeoutMs, caFile: settings.caFile, clientCertificate: settings.clientCertificate });
      return { broker };
    } catch (error) {
      failures.push(error instanceof Error ? error.message : String(error));
    }
  }
  return { broker: undefined, failures };
}
