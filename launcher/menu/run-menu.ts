// vdd-launcher menu: shows the menu until the user leaves it. Reads: menu_title.
import type { CommandContext } from '../cli/command.ts';
import { exitCodes } from '../cli/exit-codes.ts';
import { createMenuScreen } from './menu-screen.ts';

export async function runMenu({ config }: CommandContext): Promise<number> {
  const loaded = config();
  const menu = createMenuScreen(loaded.config.menu_title);
  menu.setStatus(
    loaded.problems.length > 0
      ? `${loaded.problems.length} configuration problem(s): run vdd-launcher config --check`
      : 'Looking for the VDD broker…',
  );
  menu.screen.render();
  await new Promise<void>((resolve) => menu.screen.key(['q', 'C-c'], () => resolve()));
  menu.screen.destroy();
  return exitCodes.ok;
}
