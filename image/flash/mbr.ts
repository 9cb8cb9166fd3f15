// Reads a partition's start and type from an MBR (DOS) partition table, as sfdisk writes it for
// vdd-thin.img: where the FAT config partition begins. Pure.

export type MbrPartition = { readonly number: number; readonly type: number; readonly offsetBytes: number; readonly sizeBytes: number };

const fatTypes = new Set([0x01, 0x04, 0x06, 0x0b, 0x0c, 0x0e, 0xef]);

export function isFatType(type: number): boolean {
  return fatTypes.has(type);
}

/** Partition 1-4 of the table in the first sector, or undefined when there is no table or no such entry. */
export function mbrPartition(sector: Buffer, number: number): MbrPartition | undefined {
  if (sector.length < 512 || sector[510] !== 0x55 || sector[511] !== 0xaa || number < 1 || number > 4) return undefined;
  const entry = 446 + (number - 1) * 16;
  const type = sector[entry + 4] ?? 0;
  const startSector = sector.readUInt32LE(entry + 8);
  const sectors = sector.readUInt32LE(entry + 12);
  if (type === 0 || sectors === 0) return undefined;
  return { number, type, offsetBytes: startSector * 512, sizeBytes: sectors * 512 };
}
