// docs/vdd-broker.md and the broker's --help must each list every option the broker takes.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { brokerHelp, brokerOptionSpecs } from '../../../broker/options.ts';

const manual = readFileSync(new URL('../../../docs/vdd-broker.md', import.meta.url), 'utf8');

describe('docs/vdd-broker.md and --help', () => {
  it.each(Object.keys(brokerOptionSpecs))('document --%s', (option) => {
    expect(manual).toContain(`--${option}`);
    expect(brokerHelp).toContain(`--${option}`);
  });
});
