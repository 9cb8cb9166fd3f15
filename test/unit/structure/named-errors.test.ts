// The error convention as a rule: every error class of the programs and common/ names itself
// (`override readonly name = 'XError'`), so a log line or a stack says which error it is; and a
// wrapping error keeps what it wraps as its cause.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ReadError, readBoundedText } from '../../../common/io/read-bounded.ts';
import { importGraph, repository } from '../../../scripts/import-graph.ts';

describe('named errors', () => {
  const classes = [...importGraph().keys()].flatMap((file) =>
    [...readFileSync(join(repository, file), 'utf8').matchAll(/class (\w+) extends Error \{([\s\S]*?)\n\}/g)].map((match) => ({
      file,
      name: match[1] ?? '',
      body: match[2] ?? '',
    })),
  );

  it('finds the error classes', () => {
    expect(classes.length).toBeGreaterThan(20);
  });

  it('every error class declares its name', () => {
    expect(classes.filter(({ name, body }) => !body.includes(`override readonly name = '${name}'`)).map(({ file, name }) => `${file}: ${name}`)).toEqual([]);
  });

  it('a wrapping error keeps its cause', () => {
    let caught: unknown;
    try {
      readBoundedText('/nonexistent/vdd-test-file', 16);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ReadError);
    expect(caught).toMatchObject({ name: 'ReadError', code: 'ENOENT', cause: { code: 'ENOENT' } });
  });
});
