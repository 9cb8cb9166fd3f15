import { describe, expect, it } from 'vitest';
import { globMatches } from '../../../common/text/glob.ts';
import { parseIni } from '../../../common/launcher-config/ini.ts';
import { applicableSections, sectionMatches } from '../../../launcher/config/sections.ts';

const client = { macs: ['52:54:00:12:34:56'], ips: ['10.0.2.15', 'fe80::1'], hostname: 'lab-pc07' };

describe('globMatches', () => {
  it.each([
    ['*', 'anything', true],
    ['lab-pc0?', 'lab-pc07', true],
    ['lab-pc0?', 'lab-pc17', false],
    ['lab-pc[0-4]7', 'lab-pc07', true],
    ['lab-pc[!0]7', 'lab-pc07', false],
    ['LAB-*', 'lab-pc07', true],
    ['10.0.2.*', '10.0.2.15', true],
    ['10.0.2.1', '10.0.2.15', false],
    ['a.c', 'abc', false],
    ['[abc', '[abc', true],
  ])('%s matches %s: %s', (glob, value, expected) => {
    expect(globMatches(glob, value)).toBe(expected);
  });
});

describe('sectionMatches', () => {
  it('matches by MAC (any case, colons or dashes, globs)', () => {
    expect(sectionMatches('52:54:00:12:34:56', client)).toBe(true);
    expect(sectionMatches('52-54-00-12-34-56', client)).toBe(true);
    expect(sectionMatches('52:54:00:*', client)).toBe(true);
    expect(sectionMatches('52:54:01:*', client)).toBe(false);
  });

  it('matches by IP and hostname globs', () => {
    expect(sectionMatches('10.0.2.*', client)).toBe(true);
    expect(sectionMatches('fe80::*', client)).toBe(true);
    expect(sectionMatches('lab-*', client)).toBe(true);
    expect(sectionMatches('office-*', client)).toBe(false);
  });

  it('applies [common] first, then matching sections in file order', () => {
    const doc = parseIni('[lab-*]\na=1\n[common]\na=0\n[office-*]\na=9\n[10.0.2.15]\na=2\n');
    expect(applicableSections(doc.sections, client).map((s) => s.name)).toEqual(['common', 'lab-*', '10.0.2.15']);
  });
});
