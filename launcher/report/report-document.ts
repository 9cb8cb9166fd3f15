// The report as one stable JSON document (`vdd-launcher report --json`, format 1; documented in
// docs/vdd-launcher.md): facts and verdict together, every unknown value null, never absent.
import { version } from '../../common/version.ts';
import { fitnessVerdict, type Finding, type Verdict } from './fitness-verdict.ts';
import type { ReportFacts } from './report-facts.ts';

export type ReportDocument = {
  readonly format: 1;
  readonly verdict: Verdict;
  readonly findings: readonly Finding[];
  readonly computer: { readonly manufacturer: string; readonly model: string; readonly virtual: boolean };
  readonly cpu: { readonly vendor: string; readonly model: string; readonly cores: number; readonly speedMHz: number | null; readonly x86_64Level: number };
  readonly memory: { readonly totalMiB: number; readonly availableMiB: number };
  readonly network: readonly {
    readonly name: string;
    readonly mac: string;
    readonly driver: string | null;
    readonly wired: boolean;
    readonly up: boolean;
    readonly speedMbps: number | null;
  }[];
  readonly gpus: readonly { readonly vendor: string; readonly model: string; readonly memoryMB: number | null }[];
  readonly disks: readonly { readonly name: string; readonly model: string; readonly sizeBytes: number; readonly kind: string; readonly removable: boolean }[];
  readonly firmware: { readonly type: 'bios' | 'uefi' | 'unknown'; readonly vendor: string; readonly version: string; readonly date: string };
  /** seen: this boot came over the network (so PXE or iPXE works); false says nothing either way. */
  readonly netboot: { readonly seen: boolean; readonly from: string | null };
  readonly launcherVersion: string;
};

const mib = 1024 * 1024;

export function reportDocument(facts: ReportFacts): ReportDocument {
  const { hardware } = facts;
  const { verdict, findings } = fitnessVerdict(facts);
  return {
    format: 1,
    verdict,
    findings,
    computer: facts.system,
    cpu: {
      vendor: hardware.cpu.vendor,
      model: hardware.cpu.model,
      cores: hardware.cpu.cores,
      speedMHz: hardware.cpu.speedMHz ?? null,
      x86_64Level: hardware.cpu.x86_64Level,
    },
    memory: { totalMiB: Math.round(hardware.memory.totalBytes / mib), availableMiB: Math.round(hardware.memory.availableBytes / mib) },
    network: hardware.network.map((link) => ({
      name: link.name,
      mac: link.mac,
      driver: facts.nicDrivers[link.name] ?? null,
      wired: link.wired,
      up: link.up,
      speedMbps: link.speedMbps ?? null,
    })),
    gpus: hardware.gpus.map((gpu) => ({ vendor: gpu.vendor, model: gpu.model, memoryMB: gpu.memoryMB ?? null })),
    disks: facts.disks,
    firmware: { type: hardware.firmware, ...facts.bios },
    netboot: facts.netboot.seen ? { seen: true, from: facts.netboot.from } : { seen: false, from: null },
    launcherVersion: version,
  };
}
