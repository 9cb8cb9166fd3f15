// The launcher as the benchmarks run it: no system config, flashed-disk config or kernel
// parameters of this machine, and no log file.
export const benchLauncherArgs: readonly string[] = [
  '--config',
  '/dev/null',
  '--cmdline',
  '/dev/null',
  '--disk-config',
  '/dev/null',
  '--set',
  'log_file=/dev/null',
];
