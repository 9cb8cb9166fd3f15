// Where a PC stops being a good thin client: every threshold of the refurbisher's verdict, once,
// as data. RAM limits apply to what the kernel reports (MemTotal), below what is installed: the
// image's kernel reports 206 MiB on a 256 MB PC and 457 MiB on a 512 MB one (measured in QEMU),
// and onboard graphics takes 8-64 MB more.
import { configKeys } from '../../common/launcher-config/keys.ts';
import { profileThresholds } from '../profile/session-parameters.ts';

const mib = 1024 * 1024;

export const fitnessThresholds = {
  /** The image's architecture: its kernel and launcher need an x86-64 CPU (level v1 or better). */
  imageArchitecture: 'amd64',
  minimumX86_64Level: 1,
  /** Below this (less than 256 MB installed, or 256 MB with much of it given to onboard graphics) the image does not run reliably. */
  unfitBelowRamBytes: 180 * mib,
  /** Below this sessions replace the launcher (session_exec_below_ram's default) ... */
  execModeBelowRamBytes: configKeys.session_exec_below_ram.default * mib,
  /** ... and use 16-bit colour (the session profile's low-RAM mark). */
  lowColourBelowRamBytes: profileThresholds.lowRamBytes,
  /** Below this (about 512 MB installed) a netbooted root stays on the server (NBD) instead of RAM. */
  rootInRamFromBytes: 440 * mib,
  /** Slower CPUs get light VNC encodings (the session profile's slow-CPU mark). */
  slowCpuBelowMHz: profileThresholds.slowCpuMHz,
  /** Slower links get squeezed pictures (the session profile's slow-link mark). */
  slowLinkBelowMbps: profileThresholds.slowLinkMbps,
  /** Smallest disk vdd-thin.img fits on: about 400 MB (64 MiB boot partition, two 160 MiB root slots). */
  flashDiskMinBytes: 512 * mib,
} as const;
