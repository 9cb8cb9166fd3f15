// The pure parts of vdd-image flash: mountinfo lines, the MBR partition entry where vdd.conf goes,
// and the progress output for a terminal and for a log.
import { describe, expect, it } from 'vitest';
import { ByteProgress } from '../../../image/flash/byte-progress.ts';
import { isFatType, mbrPartition } from '../../../image/flash/mbr.ts';
import { mountOf, parseMountinfo } from '../../../common/system/mountinfo.ts';

describe('parseMountinfo', () => {
  it('reads device, mount point and source, with optional fields and octal escapes', () => {
    const text = [
      '27 1 254:0 / / rw,relatime shared:1 - ext4 /dev/vda rw',
      '90 27 7:3 / /media/my\\040stick rw,nosuid master:5 - vfat /dev/loop3p1 rw,fmask=0022',
      '91 27 0:45 / /data rw - btrfs /dev/sdb2 rw',
      'garbage line',
      '',
    ].join('\n');
    const mounts = parseMountinfo(text);
    expect(mounts).toEqual([
      { device: '254:0', mountPoint: '/', source: '/dev/vda', options: ['rw', 'relatime'] },
      { device: '7:3', mountPoint: '/media/my stick', source: '/dev/loop3p1', options: ['rw', 'nosuid'] },
      { device: '0:45', mountPoint: '/data', source: '/dev/sdb2', options: ['rw'] },
    ]);
    expect(mountOf(mounts, '/data/x/y')?.mountPoint).toBe('/data');
    expect(mountOf(mounts, '/database')?.mountPoint).toBe('/');
    expect(mountOf(mounts, '/media/my stick')?.mountPoint).toBe('/media/my stick');
  });
});

describe('mbrPartition', () => {
  function sector(entries: { type: number; start: number; sectors: number }[]): Buffer {
    const buffer = Buffer.alloc(512);
    entries.forEach((entry, index) => {
      const at = 446 + index * 16;
      buffer[at + 4] = entry.type;
      buffer.writeUInt32LE(entry.start, at + 8);
      buffer.writeUInt32LE(entry.sectors, at + 12);
    });
    buffer[510] = 0x55;
    buffer[511] = 0xaa;
    return buffer;
  }

  it('finds the FAT partition at 1 MiB as sfdisk writes it for vdd-thin.img', () => {
    const table = sector([
      { type: 0x0c, start: 2048, sectors: 131072 },
      { type: 0x83, start: 133120, sectors: 327680 },
    ]);
    expect(mbrPartition(table, 1)).toEqual({ number: 1, type: 0x0c, offsetBytes: 1048576, sizeBytes: 67108864 });
    expect(isFatType(mbrPartition(table, 1)?.type ?? 0)).toBe(true);
    expect(isFatType(mbrPartition(table, 2)?.type ?? 0)).toBe(false);
    expect(mbrPartition(table, 3)).toBeUndefined();
  });

  it('no signature, short data or a bad entry number: no partition', () => {
    const table = sector([{ type: 0x0c, start: 2048, sectors: 8 }]);
    expect(mbrPartition(Buffer.concat([table.subarray(0, 510), Buffer.from([0, 0])]), 1)).toBeUndefined();
    expect(mbrPartition(table.subarray(0, 100), 1)).toBeUndefined();
    expect(mbrPartition(table, 0)).toBeUndefined();
    expect(mbrPartition(table, 5)).toBeUndefined();
  });
});

describe('ByteProgress', () => {
  it('writes one plain line per tenth and a summary when not on a terminal', () => {
    const lines: string[] = [];
    const progress = new ByteProgress({ write: (text: string) => lines.push(text) }, 'writing /dev/sdx', 100e6);
    for (let done = 0; done <= 100e6; done += 5e6) progress.update(done);
    progress.finish(100e6);
    expect(lines).toHaveLength(10);
    expect(lines[0]).toMatch(/^writing \/dev\/sdx: 10%, 10\.0\/100\.0 MB, [\d.]+ MB\/s, \d+:\d\d left\n$/);
    expect(lines[9]).toMatch(/^writing \/dev\/sdx: 100\.0 MB in [\d.]+ s \([\d.]+ MB\/s\)\n$/);
  });

  it('redraws a bar in place on a terminal', () => {
    const output: string[] = [];
    const progress = new ByteProgress({ write: (text: string) => output.push(text), isTTY: true }, 'verifying', 4e6);
    progress.update(4e6);
    progress.finish(4e6);
    expect(output[0]).toMatch(/^\r\x1b\[Kverifying \[#{20}\] 100% 4\.0\/4\.0 MB, [\d.]+ MB\/s, 0:00 left$/);
    expect(output[1]).toMatch(/^\r\x1b\[Kverifying: 4\.0 MB in /);
  });

  it('keeps the bar within a narrow terminal, so redrawing in place works', () => {
    const output: string[] = [];
    new ByteProgress({ write: (text: string) => output.push(text), isTTY: true, columns: 40 }, 'writing', 4e6).update(1e6);
    expect(output[0]?.replace('\r\x1b[K', '')).toHaveLength(39);
  });
});
