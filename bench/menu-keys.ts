// Benchmark: keypress to redraw in the menu with a large catalog from a real vdd-broker, in a
// real pseudo-terminal: cursor keys, page keys, Home/End and filter typing; p50/p95/max.
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Children } from '../test/support/children.ts';
import { oneAddressForManyPcs, startVddBroker } from '../test/support/peers/vdd-broker.ts';
import { benchLauncherArgs } from './launcher-args.ts';
import { writeCatalogFile } from './menu-fixtures.ts';
import { percentile } from './stats.ts';
import { TmuxControl } from './tmux-control.ts';

export type MenuKeyFigures = { guests: number; presses: number; p50Ms: number; p95Ms: number; maxMs: number; targetP95Ms: string };

export async function benchMenuKeys(launcher: string, work: string, guests = 5000): Promise<MenuKeyFigures> {
  const catalog = join(work, 'keys-catalog.json');
  writeCatalogFile(catalog, guests);
  const children = new Children();
  const tmux = new TmuxControl(80, 25);
  try {
    const { url } = await startVddBroker(children, catalog, { extraArgs: ['--probe-interval', '0', ...oneAddressForManyPcs] });
    const args = [...benchLauncherArgs, '--broker', url, '--set', `cache_dir=${join(work, 'keys-cache')}`, '--set', 'menu_timeout=0'];
    const { pane } = await tmux.run([launcher, ...args], { TERM: 'linux' }, 'Enter connect');
    await tmux.waitForScreen(pane, `Broker: ${url}`);
    await sleep(500);
    const keys = [
      ...Array(30).fill('Down'),
      ...Array(10).fill('PageDown'),
      'End',
      ...Array(10).fill('Up'),
      'Home',
      '/',
      'd',
      'e',
      's',
      'k',
      ' ',
      '4',
      'BSpace',
      'Escape',
    ];
    const times: number[] = [];
    for (const key of keys) {
      times.push(await tmux.press(pane, key));
      await sleep(20);
    }
    const round = (value: number) => Math.round(value * 10) / 10;
    return {
      guests,
      presses: times.length,
      p50Ms: round(percentile(times, 50)),
      p95Ms: round(percentile(times, 95)),
      maxMs: round(Math.max(...times)),
      targetP95Ms: 'see issue 5',
    };
  } finally {
    tmux.close();
    await children.stopAll();
  }
}
