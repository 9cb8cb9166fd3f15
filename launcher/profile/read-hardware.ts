// Reads the PC's hardware facts: systeminformation (imported on first use, so the menu's first
// frame never pays for it) for CPU, memory and GPUs; the kernel's own answers in /sys for the
// network links (systeminformation's interface scan spawns tools, which is slow) and for the
// display modes a screen offers. Every field falls back to "unknown" rather than failing, and
// every query has a deadline. GPUs are read only when asked: systeminformation asks lspci and,
// when DISPLAY is set, the X server (xrandr, xdpyinfo), which can hang on a stuck display.
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { readBoundedText } from '../../common/io/read-bounded.ts';
import type { DisplayFacts, DisplayMode, HardwareFacts, NetworkLink } from './hardware-facts.ts';
import { x86_64Level } from './x86-level.ts';

const drmRoot = '/sys/class/drm';
const netRoot = '/sys/class/net';

export type ReadOptions = { readonly gpus?: boolean; readonly timeoutMs?: number };

export async function readHardwareFacts(options: ReadOptions = {}): Promise<HardwareFacts> {
  const si = await import('systeminformation');
  const timeoutMs = options.timeoutMs ?? 3000;
  const [cpu, flags, memory, graphics] = await Promise.all([
    withDeadline('CPU', si.cpu(), timeoutMs),
    withDeadline('CPU flags', si.cpuFlags(), timeoutMs),
    withDeadline('memory', si.mem(), timeoutMs),
    options.gpus ? withDeadline('graphics', si.graphics(), timeoutMs) : Promise.resolve({ controllers: [], displays: [] }),
  ]);
  const drmDisplays = readDrmDisplays(drmRoot);
  return {
    cpu: {
      vendor: cpu.manufacturer,
      model: cpu.brand,
      speedMHz: cpu.speed > 0 ? Math.round(cpu.speed * 1000) : undefined,
      cores: Math.max(1, cpu.cores),
      x86_64Level: x86_64Level(flags.split(/\s+/)),
    },
    memory: { totalBytes: memory.total, availableBytes: memory.available },
    network: readNetworkLinks(netRoot),
    gpus: graphics.controllers.map((gpu) => ({ vendor: gpu.vendor, model: gpu.model, memoryMB: gpu.vram ?? undefined })),
    displays:
      drmDisplays.length > 0
        ? drmDisplays
        : graphics.displays.map((display, index) => {
            const current = display.currentResX && display.currentResY ? { width: display.currentResX, height: display.currentResY } : undefined;
            return { name: display.connection ?? `display ${index}`, modes: current ? [current] : [], current };
          }),
    firmware: existsSync('/sys/firmware/efi') ? 'uefi' : existsSync('/sys/firmware') ? 'bios' : 'unknown',
  };
}

/** Physical network links (those with a device behind them), their MAC, state and negotiated speed. */
export function readNetworkLinks(root: string): NetworkLink[] {
  let names: string[];
  try {
    names = readdirSync(root);
  } catch {
    return [];
  }
  const links: NetworkLink[] = [];
  for (const name of names.sort()) {
    // Virtual links (lo, bridges, veth, tun) have no device/ entry.
    if (!existsSync(join(root, name, 'device'))) continue;
    const read = (file: string) => {
      try {
        return readBoundedText(join(root, name, file), 256).trim();
      } catch {
        return ''; // speed cannot be read while the link is down
      }
    };
    const speed = Number(read('speed'));
    links.push({
      name,
      mac: read('address'),
      speedMbps: Number.isInteger(speed) && speed > 0 ? speed : undefined,
      wired: !existsSync(join(root, name, 'wireless')),
      up: read('operstate') === 'up',
    });
  }
  return links;
}

/** Connected DRM connectors (e.g. card0-VGA-1) with the modes the kernel read from the screen's EDID. */
export function readDrmDisplays(root: string): DisplayFacts[] {
  let entries: string[];
  try {
    entries = readdirSync(root).filter((name) => /^card\d+-/.test(name));
  } catch {
    return [];
  }
  const displays: DisplayFacts[] = [];
  for (const name of entries.sort()) {
    try {
      if (readBoundedText(join(root, name, 'status'), 64).trim() !== 'connected') continue;
      const modes = parseModes(readBoundedText(join(root, name, 'modes'), 64 * 1024));
      displays.push({ name, modes, current: undefined });
    } catch {
      // A connector without status or modes is not a screen.
    }
  }
  return displays;
}

/** Lines like "1024x768" or "1920x1080i", duplicates removed, order kept (preferred first). */
export function parseModes(text: string): DisplayMode[] {
  const seen = new Set<string>();
  const modes: DisplayMode[] = [];
  for (const line of text.split('\n')) {
    const match = /^(\d{2,5})x(\d{2,5})/.exec(line.trim());
    if (!match || seen.has(match[0])) continue;
    seen.add(match[0]);
    modes.push({ width: Number(match[1]), height: Number(match[2]) });
  }
  return modes;
}

/** Rejects with a sentence naming what was being read when promise takes longer than timeoutMs. */
export function withDeadline<T>(what: string, promise: Promise<T>, timeoutMs: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`reading the ${what} took longer than ${timeoutMs} ms`)), timeoutMs);
    timer.unref();
  });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}
