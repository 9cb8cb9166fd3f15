// Reads what `vdd-launcher report` shows: the session profile's hardware reader (with GPUs; from
// the PCI bus when lspci is missing), and from systeminformation the disks, the BIOS and the
// maker's DMI strings; NIC drivers from /sys;
// whether this boot came over the network from the kernel command line. Every query has a
// deadline; a part that cannot be read is left empty rather than failing the report.
import { readlinkSync } from 'node:fs';
import { basename, join } from 'node:path';
import { ReadError, readBoundedText } from '../../common/io/read-bounded.ts';
import { kernelCmdlineLimits } from '../config/kernel-cmdline.ts';
import { readHardwareFacts, withDeadline } from '../profile/read-hardware.ts';
import { stripControls } from '../../common/text/terminal-safe.ts';
import { netbootRootUrl } from '../update/check/netboot-origin.ts';
import { readPciDisplayControllers } from './pci-display.ts';
import type { DiskFacts, NetbootFacts, ReportFacts } from './report-facts.ts';

const netRoot = '/sys/class/net';
/** Block devices that are not disks a refurbisher could flash: RAM disks, loops, NBD, optical, zram. */
const notADisk = /^(loop|ram|zram|nbd|sr|fd)\d*/;
const timeoutMs = 5000;

export async function collectReportFacts(cmdlineFile: string): Promise<ReportFacts> {
  const si = await import('systeminformation');
  const [profiled, blocks, bios, system] = await Promise.all([
    readHardwareFacts({ gpus: true, timeoutMs }),
    withDeadline('disks', si.blockDevices(), timeoutMs).catch(() => []),
    withDeadline('BIOS', si.bios(), timeoutMs).catch(() => ({ vendor: '', version: '', releaseDate: '' })),
    withDeadline('system', si.system(), timeoutMs).catch(() => ({ manufacturer: '', model: '', virtual: false })),
  ]);
  const disks: DiskFacts[] = blocks
    .filter((block) => block.type === 'disk' && block.size > 0 && !notADisk.test(block.name))
    .map((block) => ({
      name: clean(block.name),
      model: clean(block.model),
      sizeBytes: block.size,
      kind: clean(block.physical) || 'unknown',
      removable: block.removable,
    }));
  const hardware = profiled.gpus.length > 0 ? profiled : { ...profiled, gpus: readPciDisplayControllers() };
  return {
    hardware,
    nicDrivers: Object.fromEntries(
      hardware.network.flatMap((link) => {
        const driver = nicDriver(link.name);
        return driver === undefined ? [] : [[link.name, driver]];
      }),
    ),
    disks,
    bios: { vendor: clean(bios.vendor), version: clean(bios.version), date: clean(bios.releaseDate) },
    system: { manufacturer: clean(system.manufacturer), model: clean(system.model), virtual: system.virtual === true },
    netboot: netbootFacts(cmdlineFile),
  };
}

function nicDriver(name: string): string | undefined {
  try {
    return clean(basename(readlinkSync(join(netRoot, name, 'device', 'driver')))) || undefined;
  } catch {
    return undefined;
  }
}

function netbootFacts(cmdlineFile: string): NetbootFacts {
  let cmdline: string;
  try {
    cmdline = readBoundedText(cmdlineFile, kernelCmdlineLimits.maxBytes);
  } catch (error) {
    if (error instanceof ReadError) return { seen: false };
    throw error;
  }
  const root = netbootRootUrl(cmdline);
  return root === undefined ? { seen: false } : { seen: true, from: clean(root.origin) };
}

/** DMI and lsblk strings are the maker's free text: no control characters, bounded. */
function clean(text: string | undefined): string {
  return stripControls(text ?? '')
    .trim()
    .slice(0, 128);
}
