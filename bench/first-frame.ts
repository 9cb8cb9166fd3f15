// Benchmark: time from process start to the launcher's first full menu frame (a cached catalog
// on screen) in a real pseudo-terminal, against `node -e 0` of the same pinned Node, as a
// median ratio.
import { pinnedNodePath } from '../build/pinned-node.ts';
import { keyHelp } from '../launcher/menu/menu-screen.ts';
import { TmuxControl } from './tmux-control.ts';
import { median } from './stats.ts';

export type FirstFrameResult = {
  runs: number;
  term: string;
  nodeMs: number;
  firstFrameMs: number;
  ratio: number;
  target: number;
};

export async function benchFirstFrame(launcher: string, args: readonly string[], env: Record<string, string>, runs = 15): Promise<FirstFrameResult> {
  const node = pinnedNodePath();
  const term = 'linux';
  const tmux = new TmuxControl(80, 25);
  const marker = keyHelp.split('  ')[0] ?? keyHelp;
  env = { TERM: term, ...env };
  try {
    await tmux.command(`set-option -g default-terminal ${term}`);
    // Warm the page cache for both binaries first.
    await tmux.run([node, '-e', '0'], env);
    await tmux.run([launcher, ...args], env, marker);
    await tmux.killWindows();
    const nodeTimes: number[] = [];
    const frameTimes: number[] = [];
    for (let i = 0; i < runs; i++) {
      nodeTimes.push((await tmux.run([node, '-e', '0'], env)).ms);
      frameTimes.push((await tmux.run([launcher, ...args], env, marker)).ms);
      await tmux.killWindows();
    }
    const nodeMs = median(nodeTimes);
    const firstFrameMs = median(frameTimes);
    return { runs, term, nodeMs: round(nodeMs), firstFrameMs: round(firstFrameMs), ratio: round(firstFrameMs / nodeMs), target: 2.5 };
  } finally {
    tmux.close();
  }
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}
