// Display controllers as the kernel lists them in /sys/bus/pci/devices (PCI class 0x03): the
// report's fallback when systeminformation finds no GPU because the image has no lspci. Vendor
// names for the makers of old PCs' graphics; the device stays a number (no pci.ids on the image).
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { readBoundedText } from '../../common/io/read-bounded.ts';
import type { GpuFacts } from '../profile/hardware-facts.ts';

export const pciDevicesRoot = '/sys/bus/pci/devices';

const vendors: Readonly<Record<string, string>> = {
  '0x8086': 'Intel',
  '0x1002': 'AMD/ATI',
  '0x10de': 'NVIDIA',
  '0x102b': 'Matrox',
  '0x1039': 'SiS',
  '0x1106': 'VIA',
  '0x5333': 'S3',
  '0x1013': 'Cirrus Logic',
  '0x121a': '3dfx',
  '0x1023': 'Trident',
  '0x18ca': 'XGI',
  '0x1234': 'QEMU/Bochs',
  '0x15ad': 'VMware',
  '0x1af4': 'Red Hat (virtio)',
  '0x1b36': 'Red Hat (QEMU)',
  '0x80ee': 'VirtualBox',
};

const kinds: Readonly<Record<string, string>> = { '0x0300': 'VGA', '0x0301': 'XGA', '0x0302': '3D', '0x0380': 'display' };

export function readPciDisplayControllers(root = pciDevicesRoot): GpuFacts[] {
  let names: string[];
  try {
    names = readdirSync(root).sort();
  } catch {
    return [];
  }
  const gpus: GpuFacts[] = [];
  for (const name of names) {
    const read = (file: string) => {
      try {
        return readBoundedText(join(root, name, file), 64)
          .trim()
          .toLowerCase();
      } catch {
        return '';
      }
    };
    const pciClass = read('class');
    if (!/^0x03[0-9a-f]{4}$/.test(pciClass)) continue;
    const vendor = read('vendor');
    const device = read('device');
    if (!/^0x[0-9a-f]{4}$/.test(vendor) || !/^0x[0-9a-f]{4}$/.test(device)) continue;
    gpus.push({
      vendor: vendors[vendor] ?? `PCI vendor ${vendor}`,
      model: `${kinds[pciClass.slice(0, 6)] ?? 'display'} controller, PCI ${vendor.slice(2)}:${device.slice(2)}`,
      memoryMB: undefined,
    });
  }
  return gpus;
}
