// The x86-64 micro-architecture level (x86-64-v1..v4, as compilers and distributions name them)
// from the CPU flags Linux lists in /proc/cpuinfo.

const levels: readonly (readonly string[])[] = [
  ['lm', 'cmov', 'cx8', 'fpu', 'fxsr', 'mmx', 'syscall', 'sse2'],
  ['cx16', 'lahf_lm', 'popcnt', 'sse4_1', 'sse4_2', 'ssse3'],
  ['avx', 'avx2', 'bmi1', 'bmi2', 'f16c', 'fma', 'abm', 'movbe', 'xsave'],
  ['avx512f', 'avx512bw', 'avx512cd', 'avx512dq', 'avx512vl'],
];

/** 0 when the baseline (v1) flags are missing: a 32-bit-only or non-x86 CPU. */
export function x86_64Level(flags: Iterable<string>): 0 | 1 | 2 | 3 | 4 {
  const present = new Set(flags);
  let level = 0;
  for (const required of levels) {
    if (!required.every((flag) => present.has(flag))) break;
    level++;
  }
  return level as 0 | 1 | 2 | 3 | 4;
}
