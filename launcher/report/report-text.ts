// The report as text for a refurbisher at an 80-column console: the verdict first, each reason
// on its own wrapped lines, then one labelled block per part of the PC.
import { stripControls } from '../../common/text/terminal-safe.ts';
import type { ReportDocument } from './report-document.ts';

const width = 80;
const labelWidth = 10;
const verdictWords: Record<ReportDocument['verdict'], string> = {
  fit: 'FIT - this PC can be a thin client.',
  'fit-with-limits': 'FIT WITH LIMITS - this PC can be a thin client, with the limits below.',
  unfit: 'UNFIT - this PC cannot be a thin client, for the reasons below.',
};

export function reportText(report: ReportDocument): string {
  const lines = [`Verdict: ${verdictWords[report.verdict]}`];
  if (report.findings.length > 0) lines.push('');
  for (const finding of report.findings) lines.push(...wrap(`${finding.level.padEnd(5)}  ${finding.area}: ${finding.text}`, '  ', ' '.repeat(9)));
  lines.push('');
  const field = (label: string, values: readonly string[]) => {
    const [first = 'none found', ...rest] = values;
    lines.push(...wrap(first, label.padEnd(labelWidth), ' '.repeat(labelWidth)));
    for (const value of rest) lines.push(...wrap(value, ' '.repeat(labelWidth), ' '.repeat(labelWidth)));
  };
  const { cpu, memory } = report;
  const computer = [report.computer.manufacturer, report.computer.model].filter(Boolean).join(' ');
  field('Computer', [`${computer || 'unknown maker and model'}${report.computer.virtual ? ' (virtual machine)' : ''}`]);
  const level = cpu.x86_64Level === 0 ? 'not x86-64' : `x86-64-v${cpu.x86_64Level}`;
  field('CPU', [`${cpu.model || 'unknown'}, ${cpu.cores} core(s), ${cpu.speedMHz === null ? 'clock unknown' : `${cpu.speedMHz} MHz`}, ${level}`]);
  field('Memory', [`${memory.totalMiB} MiB (${memory.availableMiB} MiB free now)`]);
  field(
    'Network',
    report.network.map((nic) =>
      [
        nic.name,
        nic.driver ?? 'driver unknown',
        nic.wired ? 'wired' : 'wireless',
        nic.up ? (nic.speedMbps === null ? 'up' : `${nic.speedMbps} Mbit/s`) : 'no link',
        nic.mac,
      ].join('  '),
    ),
  );
  field(
    'Graphics',
    report.gpus.map((gpu) => `${gpu.vendor} ${gpu.model}${gpu.memoryMB === null ? '' : `, ${gpu.memoryMB} MB`}`.trim()),
  );
  field(
    'Disks',
    report.disks.map(
      (disk) => `${disk.name}  ${disk.model || 'unknown model'}  ${(disk.sizeBytes / 1e9).toFixed(1)} GB  ${disk.kind}${disk.removable ? '  removable' : ''}`,
    ),
  );
  const firmware = { uefi: 'UEFI', bios: 'BIOS', unknown: 'unknown' }[report.firmware.type];
  const maker = [report.firmware.vendor, report.firmware.version, report.firmware.date].filter(Boolean).join(' ');
  field('Firmware', [`${firmware}${maker ? ` (${maker})` : ''}`]);
  field('Netboot', [report.netboot.seen ? `yes: this boot came from ${report.netboot.from}` : 'unknown (PXE ROMs cannot be seen from a running system)']);
  field('Launcher', [`vdd-launcher ${report.launcherVersion}`]);
  return `${lines.map((line) => stripControls(line).trimEnd()).join('\n')}\n`;
}

/** Word-wraps text to the width, first line after firstPrefix, the rest after restPrefix; runs of spaces are kept. */
function wrap(text: string, firstPrefix: string, restPrefix: string): string[] {
  const lines: string[] = [];
  let line = firstPrefix;
  let fresh = true;
  for (const word of text.split(' ')) {
    if (!fresh && line.length + 1 + word.length > width) {
      lines.push(line);
      line = restPrefix;
      fresh = true;
    }
    if (fresh && word === '') continue;
    // A word longer than a whole line is cut rather than pushing the text past the screen's edge.
    line += `${fresh ? '' : ' '}${word}`.slice(0, width - line.length);
    fresh = false;
  }
  lines.push(line);
  return lines;
}
