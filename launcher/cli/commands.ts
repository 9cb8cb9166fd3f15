// The table of vdd-launcher subcommands.
import { runMenu } from '../menu/run-menu.ts';
import type { Command } from './command.ts';
import { runConfig } from './config-command.ts';

export const defaultCommand = 'menu';

export const commands: readonly Command[] = [
  {
    name: 'menu',
    synopsis: 'menu',
    summary: 'show the menu of desktops (default)',
    description: 'Finds the broker, shows its guests and starts the one chosen; returns to the menu when the session ends.',
    options: [],
    operands: { min: 0, max: 0 },
    run: runMenu,
  },
  {
    name: 'list',
    synopsis: 'list [--json]',
    summary: "print the broker's guests and their state",
    description: 'Prints the catalog of the broker in use (or the cached one, marked offline, when no broker answers).',
    options: ['json'],
    operands: { min: 0, max: 0 },
    run: async (context) => (await import('./list-command.ts')).runList(context),
  },
  {
    name: 'connect',
    synopsis: 'connect ID|vnc://HOST[:PORT]|xdmcp://HOST[:PORT] [--dry-run] [--json] [--exec]',
    summary: 'start a session with guest ID without the menu',
    description:
      "Starts the session with guest ID of the broker's catalog, or with the guest a vnc:// or xdmcp:// URI names (no broker needed), and waits for it to end. --dry-run prints the plan (processes, environment, files, display) instead, --json as JSON. --exec replaces the launcher with the session (automatic below session_exec_below_ram).",
    options: ['dry-run', 'json', 'exec'],
    operands: { min: 1, max: 1 },
    // Loaded on use: session code stays off the menu's first-frame path.
    run: async (context) => (await import('./connect-command.ts')).runConnect(context),
  },
  {
    name: 'discover',
    synopsis: 'discover [--json]',
    summary: 'look for brokers on every source and print what each found',
    description:
      'Tries every discovery source (flags, kernel command line, DHCP, config, DNS-SD, DNS SRV, XDMCP broadcast) and prints what each found and how long it took.',
    options: ['json'],
    operands: { min: 0, max: 0 },
    run: async (context) => (await import('./discover-command.ts')).runDiscover(context),
  },
  {
    name: 'config',
    synopsis: 'config [KEY] [--explain] [--check] [--json]',
    summary: 'print the effective configuration',
    description:
      'Prints KEY=value for every key, or the value of KEY alone. --explain adds the source of each value and the problems found; --check lists only the problems and exits with status 3 if there are any.',
    options: ['explain', 'check', 'json'],
    operands: { min: 0, max: 1 },
    run: runConfig,
  },
  {
    name: 'update',
    synopsis: 'update [--json]',
    summary: 'install a newer image into the other slot of a flashed disk',
    description:
      'On a PC started from a flashed disk: fetches the version update_url offers, checks its signature against /etc/vdd/image-key.pub, downloads it (resuming after an interruption), and has the root helper check it again and write it to the inactive slot for one trial start. The menu does the same in the background.',
    options: ['json'],
    operands: { min: 0, max: 0 },
    run: async (context) => (await import('./update-command.ts')).runUpdate(context),
  },
  {
    name: 'slot',
    synopsis: 'slot install|good ID',
    summary: "the root helper's A/B steps (run by /usr/lib/vdd/update-slot as root)",
    description:
      'install: checks the staged version in /run/vdd/update again and writes it to the inactive slot, then points the boot loaders at it for one trial start. good: the menu was reached; the running slot is kept and the trial watchdog stopped. The outcome goes to /run/vdd-update/status.json.',
    options: [],
    operands: { min: 2, max: 2 },
    run: async (context) => (await import('./slot-command.ts')).runSlot(context),
  },
  {
    name: 'report',
    synopsis: 'report [--json] [--upload]',
    summary: 'tell whether this PC is fit to be a thin client',
    description:
      'Prints CPU, RAM, network cards and links, graphics, disks, firmware and network boot with a verdict: fit, fit with limits, or unfit, and the reason for each limit. --json as JSON; --upload also sends it to the broker.',
    options: ['json', 'upload'],
    operands: { min: 0, max: 0 },
    // Loaded on use: systeminformation stays off the menu's first-frame path.
    run: async (context) => (await import('./report-command.ts')).runReport(context),
  },
];

export function findCommand(name: string): Command | undefined {
  return commands.find((command) => command.name === name);
}
