// Chooses how a session should look and travel on this PC: VNC encoding, quality, compression
// and colour depth, X depth and resolution, from the hardware facts, with every config override
// applied on top. Reads config keys vnc_encoding, vnc_quality, vnc_compression, vnc_depth,
// x_depth, x_resolution. Pure: the same facts and config give the same parameters.
import type { Config } from '../../common/launcher-config/keys.ts';
import { preferredMode, primaryLink, type DisplayMode, type HardwareFacts } from './hardware-facts.ts';

export type VncEncoding = 'Tight' | 'ZRLE' | 'Hextile' | 'Raw';
export type ColourDepth = 8 | 16 | 24;

export type SessionParameters = {
  readonly vnc: {
    /** undefined: let vncviewer pick by itself (its AutoSelect). */
    readonly encoding: VncEncoding | undefined;
    readonly quality: number | undefined;
    readonly compression: number | undefined;
    readonly jpeg: boolean;
    readonly depth: ColourDepth;
  };
  readonly x: { readonly depth: ColourDepth; readonly resolution: DisplayMode | undefined };
  /** One line per decision, for --dry-run and the log: what was chosen and why. */
  readonly reasons: readonly string[];
};

export type ParameterConfig = Pick<Config, 'vnc_encoding' | 'vnc_quality' | 'vnc_compression' | 'vnc_depth' | 'x_depth' | 'x_resolution'>;

const mib = 1024 * 1024;
/** Below these, the PC is treated as slow / small. */
export const profileThresholds = {
  slowCpuMHz: 1000,
  slowLinkMbps: 100,
  fastLinkMbps: 1000,
  lowRamBytes: 256 * mib,
  tinyRamBytes: 128 * mib,
  maxAutoResolution: { width: 1920, height: 1200 },
} as const;

export function sessionParameters(facts: HardwareFacts | undefined, config: ParameterConfig): SessionParameters {
  const reasons: string[] = [];
  const auto = chooseAutomatically(facts, reasons);
  const vnc = { ...auto.vnc };
  if (config.vnc_encoding !== 'auto') {
    vnc.encoding = config.vnc_encoding;
    reasons.push(`VNC encoding ${config.vnc_encoding}: set by vnc_encoding`);
  }
  if (config.vnc_quality !== 'auto') {
    vnc.quality = Number(config.vnc_quality);
    vnc.jpeg = true;
    reasons.push(`VNC JPEG quality ${config.vnc_quality}: set by vnc_quality`);
  }
  if (config.vnc_compression !== 'auto') {
    vnc.compression = Number(config.vnc_compression);
    reasons.push(`VNC compression ${config.vnc_compression}: set by vnc_compression`);
  }
  if (config.vnc_depth !== 'auto') {
    vnc.depth = Number(config.vnc_depth) as ColourDepth;
    reasons.push(`VNC colour depth ${config.vnc_depth}: set by vnc_depth`);
  }
  const x = { ...auto.x };
  if (config.x_depth !== 'auto') {
    x.depth = Number(config.x_depth) as ColourDepth;
    reasons.push(`X depth ${config.x_depth}: set by x_depth`);
  }
  if (config.x_resolution !== 'auto') {
    const [width, height] = config.x_resolution.split('x').map(Number) as [number, number];
    x.resolution = { width, height };
    reasons.push(`X resolution ${config.x_resolution}: set by x_resolution`);
  }
  return { vnc, x, reasons };
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };
type Choice = { vnc: Mutable<SessionParameters['vnc']>; x: Mutable<SessionParameters['x']> };

function chooseAutomatically(facts: HardwareFacts | undefined, reasons: string[]): Choice {
  const choice: Choice = {
    vnc: { encoding: undefined, quality: undefined, compression: undefined, jpeg: true, depth: 24 },
    x: { depth: 24, resolution: undefined },
  };
  if (!facts) {
    reasons.push('hardware unknown: vncviewer chooses the encoding; 24-bit colour');
    return choice;
  }
  const { cpu, memory } = facts;
  const slowCpu = cpu.x86_64Level === 0 || (cpu.speedMHz !== undefined && cpu.speedMHz < profileThresholds.slowCpuMHz);
  const linkMbps = primaryLink(facts)?.speedMbps;
  const slowLink = linkMbps !== undefined && linkMbps < profileThresholds.slowLinkMbps;
  const cpuText = `${cpu.speedMHz ?? '?'} MHz, x86-64 level ${cpu.x86_64Level}`;
  const linkText = linkMbps === undefined ? 'link speed unknown' : `${linkMbps} Mbit/s link`;

  if (slowLink) {
    // Bandwidth is the bottleneck: spend CPU on squeezing the picture.
    Object.assign(choice.vnc, { encoding: 'Tight', quality: 3, compression: 9, jpeg: true });
    reasons.push(`VNC Tight, JPEG quality 3, compression 9: slow ${linkText}`);
  } else if (slowCpu && linkMbps !== undefined) {
    // A slow CPU cannot decode Tight/JPEG at full speed, and a fast LAN carries cheap encodings.
    const encoding = linkMbps >= profileThresholds.fastLinkMbps ? 'Raw' : 'Hextile';
    Object.assign(choice.vnc, { encoding, quality: undefined, compression: 0, jpeg: false });
    reasons.push(`VNC ${encoding}, no JPEG, no compression: slow CPU (${cpuText}) on a ${linkText}`);
  } else if (slowCpu) {
    Object.assign(choice.vnc, { encoding: 'Hextile', compression: 0, jpeg: false });
    reasons.push(`VNC Hextile, no JPEG: slow CPU (${cpuText}), ${linkText}`);
  } else {
    reasons.push(`VNC encoding chosen by vncviewer (AutoSelect): CPU ${cpuText}, ${linkText}`);
  }

  const ramMiB = Math.round(memory.totalBytes / mib);
  if (memory.totalBytes < profileThresholds.tinyRamBytes) {
    choice.vnc.depth = 8;
    choice.x.depth = 16;
    reasons.push(`8-bit VNC colour, 16-bit X: ${ramMiB} MiB RAM`);
  } else if (memory.totalBytes < profileThresholds.lowRamBytes) {
    choice.vnc.depth = 16;
    choice.x.depth = 16;
    reasons.push(`16-bit colour: ${ramMiB} MiB RAM`);
  } else if (slowLink) {
    choice.vnc.depth = 16;
    reasons.push(`16-bit VNC colour: slow ${linkText}`);
  }

  const mode = preferredMode(facts);
  const cap = profileThresholds.maxAutoResolution;
  if (mode && mode.width <= cap.width && mode.height <= cap.height) {
    choice.x.resolution = mode;
    reasons.push(`X resolution ${mode.width}x${mode.height}: the screen's preferred mode`);
  } else if (mode) {
    reasons.push(`X resolution left to the X server: the screen's ${mode.width}x${mode.height} is above ${cap.width}x${cap.height}`);
  }
  return choice;
}
