// The boot model's arithmetic: the image's boot-time report read into phases, and the agreement of runs.
import { describe, expect, it } from 'vitest';
import { agreementPercent, bootPhases, parseBootReport } from '../../../bench/boot-phases.ts';

const line =
  'vdd-thin: boot seconds since power-on: kernel 4.523 initrd 6.308 drivers 6.761 link 8.796 dhcp 8.869 fetched 9.128 mounted 9.147 system 9.147 launcher 9.268 menu 11.488 busy 4.88 launcher-user 1.10 launcher-system 0.95';

describe('boot model phases', () => {
  it("reads the markers, the busy time and the launcher's processor time of a report line", () => {
    const report = parseBootReport(line);
    expect(report.markers).toMatchObject({ kernel: 4.523, initrd: 6.308, menu: 11.488 });
    expect(report.busySeconds).toBe(4.88);
    expect(report.launcherCpu).toEqual({ userSeconds: 1.1, systemSeconds: 0.95 });
  });

  it('names each phase for the marker that ends it and splits the decompression off the firmware', () => {
    const phases = bootPhases(parseBootReport(line), 4.482);
    expect(phases).toEqual({
      firmware: 0.041,
      kernelDecompression: 4.482,
      kernel: 1.785,
      initrdDrivers: 0.453,
      linkUp: 2.035,
      dhcp: 0.073,
      fetchRoot: 0.259,
      mountRoot: 0.019,
      switchRoot: 0,
      systemStart: 0.121,
      launcherFirstFrame: 2.22,
    });
    const sum = Object.values(phases).reduce((total, seconds) => total + seconds, 0);
    expect(sum).toBeCloseTo(11.488, 2);
  });

  it('keeps firmware and decompression together when the decompression is unknown', () => {
    expect(bootPhases(parseBootReport('boot seconds since power-on: kernel 9.9 login-screen 60.5'), undefined)).toEqual({
      firmwareAndKernelDecompression: 9.9,
      systemToLoginScreen: 50.6,
    });
  });

  it('refuses a report without the kernel start', () => {
    expect(() => parseBootReport('boot seconds since power-on: menu 3.0')).toThrow(/no kernel start/);
  });

  it('says how far apart runs are in percent of their mean', () => {
    expect(agreementPercent([11.486, 11.496])).toBe(0.09);
    expect(agreementPercent([10])).toBe(0);
  });
});
