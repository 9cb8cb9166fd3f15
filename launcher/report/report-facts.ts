// What `vdd-launcher report` knows about a PC: the session profile's hardware facts plus what only
// a refurbisher needs (disks, NIC drivers, firmware and maker from DMI, whether it netbooted).
// Plain data, no I/O.
import type { HardwareFacts } from '../profile/hardware-facts.ts';

export type DiskFacts = {
  readonly name: string;
  readonly model: string;
  readonly sizeBytes: number;
  /** As systeminformation classifies it: HDD, SSD, NVMe... or unknown. */
  readonly kind: string;
  readonly removable: boolean;
};

/** Network boot: only visible when this boot came over the network; a NIC's boot ROM is not. */
export type NetbootFacts = { readonly seen: true; readonly from: string } | { readonly seen: false };

export type ReportFacts = {
  readonly hardware: HardwareFacts;
  /** Kernel driver per network link name (e.g. eth0 -> e1000); absent when not known. */
  readonly nicDrivers: Readonly<Record<string, string>>;
  readonly disks: readonly DiskFacts[];
  readonly bios: { readonly vendor: string; readonly version: string; readonly date: string };
  readonly system: { readonly manufacturer: string; readonly model: string; readonly virtual: boolean };
  readonly netboot: NetbootFacts;
};
