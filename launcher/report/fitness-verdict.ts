// The refurbisher's verdict on a PC: fit, fit with limits, or unfit, with one finding per reason.
// Pure: the same facts give the same verdict; thresholds come from fitness-thresholds.ts.
import { primaryLink } from '../profile/hardware-facts.ts';
import { fitnessThresholds as limits } from './fitness-thresholds.ts';
import type { ReportFacts } from './report-facts.ts';

export type Verdict = 'fit' | 'fit-with-limits' | 'unfit';
export type FindingArea = 'cpu' | 'memory' | 'network' | 'graphics' | 'disk' | 'firmware' | 'netboot';
/** unfit and limit decide the verdict; a note is worth knowing and changes nothing. */
export type FindingLevel = 'unfit' | 'limit' | 'note';
export type Finding = { readonly area: FindingArea; readonly level: FindingLevel; readonly text: string };
export type Fitness = { readonly verdict: Verdict; readonly findings: readonly Finding[] };

type VerdictFacts = Pick<ReportFacts, 'hardware' | 'disks' | 'netboot'>;

const mib = 1024 * 1024;

export function fitnessVerdict(facts: VerdictFacts): Fitness {
  return judge([...hardwareFindings(facts), ...diskFindings(facts), ...bootFindings(facts)]);
}

/** The verdict from what the menu's info screen knows (no disks, no boot facts): for a refurbisher at a booted PC. */
export function hardwareFitness(hardware: ReportFacts['hardware']): Fitness {
  return judge(hardwareFindings({ hardware }));
}

function hardwareFindings(facts: Pick<VerdictFacts, 'hardware'>): Finding[] {
  return [...cpuFindings(facts), ...memoryFindings(facts), ...networkFindings(facts), ...graphicsFindings(facts)];
}

function judge(findings: Finding[]): Fitness {
  const verdict: Verdict = findings.some((f) => f.level === 'unfit') ? 'unfit' : findings.some((f) => f.level === 'limit') ? 'fit-with-limits' : 'fit';
  // Worst first, so the reason for the verdict leads.
  const rank: Record<FindingLevel, number> = { unfit: 0, limit: 1, note: 2 };
  return {
    verdict,
    findings: findings
      .map((finding, index) => ({ finding, index }))
      .sort((a, b) => rank[a.finding.level] - rank[b.finding.level] || a.index - b.index)
      .map(({ finding }) => finding),
  };
}

function cpuFindings({ hardware: { cpu } }: Pick<VerdictFacts, 'hardware'>): Finding[] {
  if (cpu.x86_64Level < limits.minimumX86_64Level) {
    return [{ area: 'cpu', level: 'unfit', text: `the CPU is not 64-bit (x86-64); the image is ${limits.imageArchitecture} and does not start on it` }];
  }
  if (cpu.speedMHz !== undefined && cpu.speedMHz < limits.slowCpuBelowMHz) {
    return [
      {
        area: 'cpu',
        level: 'limit',
        text: `slow CPU (${cpu.speedMHz} MHz): VNC desktops use light encodings (Hextile, Raw) and feel slow with video or scrolling`,
      },
    ];
  }
  if (cpu.speedMHz === undefined) return [{ area: 'cpu', level: 'note', text: 'the CPU clock is not known; assumed fast enough' }];
  return [];
}

function memoryFindings({ hardware: { memory } }: Pick<VerdictFacts, 'hardware'>): Finding[] {
  const total = memory.totalBytes;
  const ram = `${Math.round(total / mib)} MiB RAM`;
  if (total < limits.unfitBelowRamBytes)
    return [
      { area: 'memory', level: 'unfit', text: `${ram}: the image needs at least 256 MB installed (about 180 MiB left after the kernel and onboard graphics)` },
    ];
  const limited: string[] = [];
  if (total < limits.execModeBelowRamBytes) limited.push('sessions replace the menu while they run (exec mode)');
  if (total < limits.lowColourBelowRamBytes) limited.push('desktops use 16-bit colour');
  if (total < limits.rootInRamFromBytes) limited.push('a netbooted system is read from the server (NBD) instead of RAM, so it stalls when the network does');
  return limited.length === 0 ? [] : [{ area: 'memory', level: 'limit', text: `${ram}: ${limited.join('; ')}` }];
}

function networkFindings({ hardware }: Pick<VerdictFacts, 'hardware'>): Finding[] {
  const wired = hardware.network.filter((link) => link.wired);
  if (wired.length === 0) {
    const wireless = hardware.network.length > 0 ? ' (only wireless)' : '';
    return [{ area: 'network', level: 'unfit', text: `no wired network card${wireless}: the image boots and runs over Ethernet` }];
  }
  const link = primaryLink(hardware);
  if (link === undefined || !link.wired)
    return [{ area: 'network', level: 'note', text: 'no cable link right now: plug in a network cable to see the link speed' }];
  if (link.speedMbps === undefined) return [{ area: 'network', level: 'note', text: `${link.name}: link speed not reported by its driver` }];
  if (link.speedMbps < limits.slowLinkBelowMbps) {
    return [
      {
        area: 'network',
        level: 'limit',
        text: `${link.name} links at ${link.speedMbps} Mbit/s: starting takes minutes and desktops use a squeezed picture (Tight, low JPEG quality, 16-bit colour)`,
      },
    ];
  }
  return [];
}

function graphicsFindings({ hardware }: Pick<VerdictFacts, 'hardware'>): Finding[] {
  if (hardware.gpus.length > 0) return [];
  return [{ area: 'graphics', level: 'note', text: 'no graphics card found on the PCI bus; X falls back to the VESA or framebuffer driver' }];
}

function diskFindings({ disks }: VerdictFacts): Finding[] {
  const fixed = disks.filter((disk) => disk.sizeBytes >= limits.flashDiskMinBytes);
  if (fixed.length > 0) return [];
  return [
    { area: 'disk', level: 'note', text: `no disk of ${limits.flashDiskMinBytes / mib} MiB or more: this PC can only boot from the network or a USB stick` },
  ];
}

function bootFindings({ hardware, netboot }: VerdictFacts): Finding[] {
  const findings: Finding[] = [];
  if (hardware.firmware === 'unknown') findings.push({ area: 'firmware', level: 'note', text: 'firmware type (BIOS or UEFI) not known' });
  if (!netboot.seen) {
    findings.push({
      area: 'netboot',
      level: 'note',
      text: 'PXE support cannot be seen from a running system; if the PC does not boot from the network, flash vdd-thin.img to a USB stick (iPXE)',
    });
  }
  return findings;
}
