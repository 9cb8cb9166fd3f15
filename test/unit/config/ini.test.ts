import { describe, expect, it } from 'vitest';
import { parseIni } from '../../../common/launcher-config/ini.ts';

describe('parseIni', () => {
  it('reads sections, keys (lower-cased), quoted values and comments with line numbers', () => {
    const doc = parseIni('# site config\n[common]\nBROKER = "http://a/"\n; note\n\n[00:11:22:*]\nmenu_timeout=5\n');
    expect(doc.problems).toEqual([]);
    expect(doc.sections).toEqual([
      { name: 'common', line: 2, entries: [{ key: 'broker', value: 'http://a/', line: 3 }] },
      { name: '00:11:22:*', line: 6, entries: [{ key: 'menu_timeout', value: '5', line: 7 }] },
    ]);
  });

  it('puts keys before the first section into [common], as ltsp.conf does', () => {
    expect(parseIni('menu_timeout = 3\n').sections).toEqual([{ name: 'common', line: 1, entries: [{ key: 'menu_timeout', value: '3', line: 1 }] }]);
  });

  it('reports a line that is neither a section nor KEY = value', () => {
    expect(parseIni('[common]\nthis is not ini\n').problems).toEqual([
      { line: 2, message: 'syntax error: expected "KEY = value", "[section]" or a # comment' },
    ]);
  });

  it('rejects a bad section name and drops its keys instead of applying them to everyone', () => {
    const doc = parseIni('[common]\na=1\n[two words]\nb=2\n');
    expect(doc.problems).toEqual([{ line: 3, message: 'bad section name [two words]: expected [common], a MAC, an IP or a hostname (globs allowed)' }]);
    expect(doc.sections.map((s) => s.name)).toEqual(['common']);
  });

  it('refuses overlong lines', () => {
    expect(parseIni(`a=${'x'.repeat(5000)}`).problems[0]?.message).toBe('line longer than 4096 characters');
  });

  it('accepts CRLF line ends', () => {
    expect(parseIni('[common]\r\na = 1\r\n').sections[0]?.entries).toEqual([{ key: 'a', value: '1', line: 2 }]);
  });
});
