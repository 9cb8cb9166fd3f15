// docs/configuration.md must document every key with its real default.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { configKeys } from '../../../common/launcher-config/keys.ts';
import type { ValueType } from '../../../common/launcher-config/value-types.ts';

const doc = readFileSync(new URL('../../../docs/configuration.md', import.meta.url), 'utf8');

describe('docs/configuration.md', () => {
  it.each(Object.entries(configKeys))('documents %s with its default', (name, spec) => {
    const shown = (spec.type as ValueType<unknown>).format(spec.default);
    const row = doc.split('\n').find((line) => line.startsWith(`| \`${name}\` |`));
    expect(row, `no table row for ${name}`).toBeDefined();
    expect(row).toContain(shown === '' ? '(empty)' : `\`${shown}\``);
  });
});
