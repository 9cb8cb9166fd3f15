// Client profile -> session parameters: slow CPU, slow link, low RAM, screen modes, overrides.
import { describe, expect, it } from 'vitest';
import { defaultConfig } from '../../../common/launcher-config/keys.ts';
import type { HardwareFacts } from '../../../launcher/profile/hardware-facts.ts';
import { sessionParameters } from '../../../launcher/profile/session-parameters.ts';
import { x86_64Level } from '../../../launcher/profile/x86-level.ts';
import { parseModes } from '../../../launcher/profile/read-hardware.ts';

const mib = 1024 * 1024;

function pc(
  overrides: { speedMHz?: number; level?: 0 | 1 | 2 | 3 | 4; ramMiB?: number; linkMbps?: number | undefined; modes?: { width: number; height: number }[] } = {},
): HardwareFacts {
  return {
    cpu: { vendor: 'GenuineIntel', model: 'Test CPU', speedMHz: overrides.speedMHz ?? 2400, cores: 2, x86_64Level: overrides.level ?? 2 },
    memory: { totalBytes: (overrides.ramMiB ?? 2048) * mib, availableBytes: 512 * mib },
    network: [{ name: 'eth0', mac: '52:54:00:12:34:56', speedMbps: 'linkMbps' in overrides ? overrides.linkMbps : 1000, wired: true, up: true }],
    gpus: [],
    displays: [
      {
        name: 'card0-VGA-1',
        modes: overrides.modes ?? [
          { width: 1280, height: 1024 },
          { width: 1024, height: 768 },
        ],
        current: undefined,
      },
    ],
    firmware: 'bios',
  };
}

const config = defaultConfig();

describe('session parameters', () => {
  it('leaves the encoding to vncviewer on a capable PC and uses the screen preferred mode', () => {
    const parameters = sessionParameters(pc(), config);
    expect(parameters.vnc).toEqual({ encoding: undefined, quality: undefined, compression: undefined, jpeg: true, depth: 24 });
    expect(parameters.x).toEqual({ depth: 24, resolution: { width: 1280, height: 1024 } });
  });

  it('uses Raw on a gigabit LAN and Hextile on 100 Mbit/s for a slow CPU, without JPEG', () => {
    expect(sessionParameters(pc({ speedMHz: 600, linkMbps: 1000 }), config).vnc).toMatchObject({ encoding: 'Raw', jpeg: false, compression: 0 });
    expect(sessionParameters(pc({ speedMHz: 600, linkMbps: 100 }), config).vnc).toMatchObject({ encoding: 'Hextile', jpeg: false });
    expect(sessionParameters(pc({ level: 0, linkMbps: 100 }), config).vnc).toMatchObject({ encoding: 'Hextile' });
  });

  it('squeezes the picture on a slow link: Tight, high compression, 16-bit colour', () => {
    const parameters = sessionParameters(pc({ linkMbps: 10 }), config);
    expect(parameters.vnc).toEqual({ encoding: 'Tight', quality: 3, compression: 9, jpeg: true, depth: 16 });
    expect(parameters.reasons.join('\n')).toMatch(/slow 10 Mbit\/s link/);
  });

  it('lowers the colour depth with little RAM', () => {
    expect(sessionParameters(pc({ ramMiB: 192 }), config)).toMatchObject({ vnc: { depth: 16 }, x: { depth: 16 } });
    expect(sessionParameters(pc({ ramMiB: 96 }), config)).toMatchObject({ vnc: { depth: 8 }, x: { depth: 16 } });
  });

  it('does not pick huge screen modes by itself', () => {
    expect(sessionParameters(pc({ modes: [{ width: 3840, height: 2160 }] }), config).x.resolution).toBeUndefined();
  });

  it('applies every override from config over the automatic choice', () => {
    const parameters = sessionParameters(pc({ linkMbps: 10 }), {
      ...config,
      vnc_encoding: 'ZRLE',
      vnc_quality: '7',
      vnc_compression: '2',
      vnc_depth: '24',
      x_depth: '8',
      x_resolution: '800x600',
    });
    expect(parameters.vnc).toEqual({ encoding: 'ZRLE', quality: 7, compression: 2, jpeg: true, depth: 24 });
    expect(parameters.x).toEqual({ depth: 8, resolution: { width: 800, height: 600 } });
  });

  it('falls back to safe defaults when the hardware is unknown', () => {
    expect(sessionParameters(undefined, config)).toMatchObject({ vnc: { encoding: undefined, depth: 24 }, x: { depth: 24, resolution: undefined } });
  });
});

describe('x86-64 level', () => {
  const v1 = ['lm', 'cmov', 'cx8', 'fpu', 'fxsr', 'mmx', 'syscall', 'sse2'];
  const v2 = [...v1, 'cx16', 'lahf_lm', 'popcnt', 'sse4_1', 'sse4_2', 'ssse3'];
  it('reads levels 0 to 3 from /proc/cpuinfo flags', () => {
    expect(x86_64Level(['fpu', 'mmx', 'sse2'])).toBe(0);
    expect(x86_64Level(v1)).toBe(1);
    expect(x86_64Level(v2)).toBe(2);
    expect(x86_64Level([...v2, 'avx', 'avx2', 'bmi1', 'bmi2', 'f16c', 'fma', 'abm', 'movbe', 'xsave'])).toBe(3);
  });
});

describe('DRM mode lists', () => {
  it('keeps the kernel order (preferred first) and drops duplicates and junk', () => {
    expect(parseModes('1280x1024\n1024x768\n1024x768\n1920x1080i\nbogus\n')).toEqual([
      { width: 1280, height: 1024 },
      { width: 1024, height: 768 },
      { width: 1920, height: 1080 },
    ]);
  });
});
