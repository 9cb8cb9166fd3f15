// Where a PC stops being a good thin client: every threshold of the refurbisher's verdict, once,
// as data. RAM limits apply to what the kernel reports (MemTotal), which is 5-15% below what is
// installed: a 256 MB PC reports about 220-240 MiB, a 512 MB PC about 470-490 MiB.
import { configKeys } from '../config/keys.ts';
import { profileThresholds } from '../profile/session-parameters.ts';

const mib = 1024 * 1024;

export const fitnessThresholds = {
  /** The image's architecture: its kernel and launcher need an x86-64 CPU (level v1 or better). */
  imageArchitecture: 'amd64',
  minimumX86_64Level: 1,
  /** Below this (a PC with less than 256 MB installed) the image does not boot reliably. */
  unfitBelowRamBytes: 200 * mib,
  /** Below this sessions replace the launcher (session_exec_below_ram's default) ... */
  execModeBelowRamBytes: configKeys.session_exec_below_ram.default * mib,
  /** ... and use 16-bit colour (the session profile's low-RAM mark). */
  lowColourBelowRamBytes: profileThresholds.lowRamBytes,
  /** Below this (about 512 MB installed) a netbooted root stays on the server (NBD) instead of RAM. */
  rootInRamFromBytes: 450 * mib,
  /** Slower CPUs get light VNC encodings (the session profile's slow-CPU mark). */
  slowCpuBelowMHz: profileThresholds.slowCpuMHz,
  /** Slower links get squeezed pictures (the session profile's slow-link mark). */
  slowLinkBelowMbps: profileThresholds.slowLinkMbps,
  /** Smallest disk vdd-thin.img fits on: about 400 MB (64 MiB boot partition, two 160 MiB root slots). */
  flashDiskMinBytes: 512 * mib,
} as const;
