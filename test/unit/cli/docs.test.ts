// docs/vdd-launcher.md must list every exit status and every subcommand the CLI has.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { commands } from '../../../launcher/cli/commands.ts';
import { exitCodes } from '../../../launcher/cli/exit-codes.ts';
import { optionSpecs } from '../../../launcher/cli/options.ts';

const manual = readFileSync(new URL('../../../docs/vdd-launcher.md', import.meta.url), 'utf8');

describe('docs/vdd-launcher.md', () => {
  it.each(Object.entries(exitCodes))('documents exit status %s (%i)', (_, code) => {
    expect(manual).toMatch(new RegExp(`^\\| ${code} \\|`, 'm'));
  });
  it.each(commands.map((command) => command.name))('documents the %s command', (name) => {
    expect(manual).toContain(`\`${name}`);
  });
  it.each(Object.keys(optionSpecs))('documents --%s', (option) => {
    expect(manual).toContain(`--${option}`);
  });
});
