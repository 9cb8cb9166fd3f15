// The refurbisher's verdict: each threshold, the order of reasons, the 80-column text and the
// flat entries an upload carries; display controllers read from the PCI bus.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { reportSchema } from '../../../common/protocol/broker-protocol.ts';
import { fitnessVerdict } from '../../../launcher/report/fitness-verdict.ts';
import { fitnessLine } from '../../../launcher/menu/info-lines.ts';
import { reportDocument } from '../../../launcher/report/report-document.ts';
import type { ReportFacts } from '../../../launcher/report/report-facts.ts';
import { reportText } from '../../../launcher/report/report-text.ts';
import { hardwareEntries } from '../../../launcher/report/report-upload.ts';
import { readPciDisplayControllers } from '../../../launcher/report/pci-display.ts';
import type { NetworkLink } from '../../../launcher/profile/hardware-facts.ts';

const mib = 1024 * 1024;
const gigabitLink: NetworkLink = { name: 'eth0', mac: '52:54:00:12:34:56', speedMbps: 1000, wired: true, up: true };

type Overrides = {
  level?: 0 | 1 | 2 | 3 | 4;
  speedMHz?: number | undefined;
  ramMiB?: number;
  network?: NetworkLink[];
  gpus?: number;
  diskBytes?: number;
  netboot?: boolean;
  firmware?: 'bios' | 'uefi' | 'unknown';
};

function pc(o: Overrides = {}): ReportFacts {
  return {
    hardware: {
      cpu: { vendor: 'GenuineIntel', model: 'Pentium 4', speedMHz: 'speedMHz' in o ? o.speedMHz : 2800, cores: 1, x86_64Level: o.level ?? 1 },
      memory: { totalBytes: (o.ramMiB ?? 1024) * mib, availableBytes: 300 * mib },
      network: o.network ?? [gigabitLink],
      gpus: Array.from({ length: o.gpus ?? 1 }, () => ({ vendor: 'Intel', model: '82865G', memoryMB: 64 })),
      displays: [],
      firmware: o.firmware ?? 'bios',
    },
    nicDrivers: { eth0: 'e1000' },
    disks: o.diskBytes === 0 ? [] : [{ name: 'sda', model: 'ST380011A', sizeBytes: o.diskBytes ?? 80e9, kind: 'HDD', removable: false }],
    bios: { vendor: 'Phoenix', version: '6.00 PG', date: '2004-05-12' },
    system: { manufacturer: 'Dell Inc.', model: 'OptiPlex GX270', virtual: false },
    netboot: o.netboot ? { seen: true, from: 'http://10.0.2.100' } : { seen: false },
  };
}

const levels = (o: Overrides) => fitnessVerdict({ ...pc(o), netboot: { seen: true, from: 'x' } }).findings.map((f) => `${f.level} ${f.area}`);

describe('fitness verdict', () => {
  it('calls a 64-bit PC with 1 GB, a gigabit wired link, a GPU and a disk fit, with no reasons', () => {
    expect(fitnessVerdict(pc({ netboot: true }))).toEqual({ verdict: 'fit', findings: [] });
  });

  it('is unfit without x86-64: the image is amd64', () => {
    const fitness = fitnessVerdict(pc({ level: 0 }));
    expect(fitness.verdict).toBe('unfit');
    expect(fitness.findings[0]).toMatchObject({ area: 'cpu', level: 'unfit', text: expect.stringMatching(/not 64-bit.*amd64/) });
  });

  it('is unfit below 256 MB installed (180 MiB reported) and names the RAM', () => {
    const fitness = fitnessVerdict(pc({ ramMiB: 150 }));
    expect(fitness.verdict).toBe('unfit');
    expect(fitness.findings[0]?.text).toMatch(/^150 MiB RAM: the image needs at least 256 MB/);
  });

  it('limits a 256 MB PC (206 MiB reported): exec mode, 16-bit colour, root over NBD', () => {
    const fitness = fitnessVerdict(pc({ ramMiB: 206 }));
    expect(fitness.verdict).toBe('fit-with-limits');
    expect(fitness.findings[0]?.text).toMatch(/206 MiB RAM: sessions replace the menu.*exec mode.*16-bit colour.*NBD/);
  });

  it('limits a 384 MB PC only by the root staying on the server', () => {
    const text = fitnessVerdict(pc({ ramMiB: 370 })).findings[0]?.text ?? '';
    expect(text).toMatch(/NBD/);
    expect(text).not.toMatch(/exec mode|16-bit/);
  });

  it('calls a 512 MB PC (457 MiB reported) fit', () => {
    expect(levels({ ramMiB: 457 })).toEqual([]);
  });

  it('limits a 10 Mbit/s link and a CPU below 1 GHz', () => {
    expect(levels({ network: [{ ...gigabitLink, speedMbps: 10 }] })).toEqual(['limit network']);
    expect(fitnessVerdict(pc({ network: [{ ...gigabitLink, speedMbps: 10 }] })).findings[0]?.text).toMatch(/eth0 links at 10 Mbit\/s/);
    expect(levels({ speedMHz: 450 })).toEqual(['limit cpu']);
  });

  it('is unfit without a wired network card, also when there is a wireless one', () => {
    expect(levels({ network: [] })).toEqual(['unfit network']);
    const wireless = fitnessVerdict(pc({ network: [{ ...gigabitLink, name: 'wlan0', wired: false }] }));
    expect(wireless.verdict).toBe('unfit');
    expect(wireless.findings[0]?.text).toMatch(/no wired network card \(only wireless\)/);
  });

  it('only notes what cannot be known: link down or speed unknown, no GPU seen, no disk, unknown firmware and PXE', () => {
    expect(levels({ network: [{ ...gigabitLink, up: false, speedMbps: undefined }] })).toEqual(['note network']);
    expect(levels({ network: [{ ...gigabitLink, speedMbps: undefined }] })).toEqual(['note network']);
    expect(levels({ gpus: 0, diskBytes: 0, firmware: 'unknown', speedMHz: undefined })).toEqual(['note cpu', 'note graphics', 'note disk', 'note firmware']);
    expect(fitnessVerdict(pc()).findings).toEqual([expect.objectContaining({ area: 'netboot', level: 'note' })]);
    expect(fitnessVerdict(pc({ gpus: 0, diskBytes: 0, firmware: 'unknown' })).verdict).toBe('fit');
  });

  it('puts the reasons for the verdict first: unfit, then limits, then notes', () => {
    const findings = fitnessVerdict(pc({ gpus: 0, speedMHz: 500, ramMiB: 120 })).findings.map((f) => f.level);
    expect(findings).toEqual(['unfit', 'limit', 'note', 'note']);
  });
});

describe('report text', () => {
  it('fits 80 columns and leads with the verdict', () => {
    const text = reportText(reportDocument(pc({ ramMiB: 230, speedMHz: 450, network: [{ ...gigabitLink, speedMbps: 10 }] })));
    const lines = text.trimEnd().split('\n');
    expect(lines[0]).toBe('Verdict: FIT WITH LIMITS - this PC can be a thin client, with the limits below.');
    for (const line of lines) expect(line.length).toBeLessThanOrEqual(80);
    expect(text).toMatch(/^CPU {7}Pentium 4, 1 core\(s\), 450 MHz, x86-64-v1$/m);
    expect(text).toMatch(/^Network {3}eth0 {2}e1000 {2}wired {2}10 Mbit\/s {2}52:54:00:12:34:56$/m);
    expect(text).toMatch(/^Firmware {2}BIOS \(Phoenix 6\.00 PG 2004-05-12\)$/m);
  });

  it('strips control characters the maker put in DMI strings', () => {
    const facts = pc();
    const text = reportText(reportDocument({ ...facts, system: { ...facts.system, model: 'Opti\u001b[2JPlex' } }));
    expect(text).not.toMatch(/\u001b/);
  });
});

describe('uploaded report', () => {
  it('is a valid protocol report within the entry limit even for a PC with many parts', () => {
    const many = pc({ network: Array.from({ length: 40 }, (_, i) => ({ ...gigabitLink, name: `eth${i}` })), gpus: 20 });
    const document = reportDocument({
      ...many,
      disks: Array.from({ length: 40 }, (_, i) => ({ name: `sd${i}`, model: 'x'.repeat(400), sizeBytes: 1e9, kind: 'SSD', removable: true })),
    });
    const hardware = hardwareEntries(document);
    const parsed = reportSchema.safeParse({ client: { mac: '52:54:00:12:34:56' }, hardware });
    expect(parsed.success).toBe(true);
    expect(hardware.verdict).toBe('fit');
    expect(hardware['nic.0']).toBe('eth0 52:54:00:12:34:56 e1000 wired 1000 Mbit/s');
  });
});

describe('display controllers from the PCI bus', () => {
  it('lists class 0x03 devices with the vendor named, and nothing else', () => {
    const root = mkdtempSync(join(tmpdir(), 'vdd-pci-'));
    const device = (address: string, pciClass: string, vendor: string, id: string) => {
      mkdirSync(join(root, address));
      writeFileSync(join(root, address, 'class'), `${pciClass}\n`);
      writeFileSync(join(root, address, 'vendor'), `${vendor}\n`);
      writeFileSync(join(root, address, 'device'), `${id}\n`);
    };
    try {
      device('0000:00:02.0', '0x030000', '0x8086', '0x2572');
      device('0000:00:03.0', '0x020000', '0x8086', '0x100e');
      device('0000:01:00.0', '0x038000', '0x9999', '0x0001');
      device('0000:02:00.0', '0x030000', '0x1002\u001b[2J', '0x5159');
      expect(readPciDisplayControllers(root)).toEqual([
        { vendor: 'Intel', model: 'VGA controller, PCI 8086:2572', memoryMB: undefined },
        { vendor: 'PCI vendor 0x9999', model: 'display controller, PCI 9999:0001', memoryMB: undefined },
      ]);
      expect(readPciDisplayControllers(join(root, 'missing'))).toEqual([]);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});

describe("the info screen's fitness line", () => {
  it('names the verdict and every limit, without the notes', () => {
    expect(fitnessLine(pc().hardware)).toBe('fit');
    const line = fitnessLine(pc({ ramMiB: 400, gpus: 0 }).hardware);
    expect(line).toMatch(/^fit with limits; 400 MiB RAM: /);
    expect(line).not.toContain('graphics');
    expect(fitnessLine(pc({ level: 0 }).hardware)).toMatch(/^unfit; the CPU is not 64-bit/);
  });
});
