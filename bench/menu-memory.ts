// Benchmark: the launcher's memory at the idle menu (RSS and peak RSS from /proc), after the
// first frame and a few seconds of idling, in a real pseudo-terminal.
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { keyHelp } from '../launcher/menu/menu-screen.ts';
import { TmuxControl } from './tmux-control.ts';

export type MemoryFigures = { rssMB: number; peakRssMB: number; anonMB: number };

export function processMemory(pid: number): MemoryFigures {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kB = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  const mb = (value: number) => Math.round((value / 1024) * 10) / 10;
  return { rssMB: mb(kB('VmRSS')), peakRssMB: mb(kB('VmHWM')), anonMB: mb(kB('RssAnon')) };
}

export async function benchMenuMemory(launcher: string, args: readonly string[], env: Record<string, string>, idleMs = 3000): Promise<MemoryFigures> {
  const tmux = new TmuxControl(80, 25);
  try {
    const { pane } = await tmux.run([launcher, ...args], { TERM: 'linux', ...env }, keyHelp.split('  ')[0]);
    const pid = await tmux.panePid(pane);
    await sleep(idleMs);
    return processMemory(pid);
  } finally {
    tmux.close();
  }
}
