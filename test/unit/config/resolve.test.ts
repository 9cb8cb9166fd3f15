import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../../../common/launcher-config/resolve.ts';
import { formatProblem, type Setting } from '../../../common/launcher-config/source.ts';

const file = (line: number, key: string, value: string, section = 'common'): Setting => ({
  key,
  name: key,
  value,
  source: { kind: 'file', path: '/etc/vdd/launcher.conf', line, section },
});

describe('resolveConfig', () => {
  it('starts from the defaults', () => {
    const { config, origins, problems } = resolveConfig([]);
    expect(config.menu_timeout).toBe(10);
    expect(config.broker).toEqual([]);
    expect(origins.menu_timeout).toEqual({ kind: 'default' });
    expect(problems).toEqual([]);
  });

  it('lets later settings win and records where each value came from', () => {
    const { config, origins } = resolveConfig([
      file(2, 'menu_timeout', '5'),
      file(7, 'menu_timeout', '8', 'lab-*'),
      { key: 'menu_timeout', name: 'VDD_MENU_TIMEOUT', value: '9', source: { kind: 'env' } },
    ]);
    expect(config.menu_timeout).toBe(9);
    expect(origins.menu_timeout).toEqual({ kind: 'env' });
  });

  it('keeps the lower layer value when a higher one is bad, and says so in one line', () => {
    const { config, origins, problems } = resolveConfig([file(2, 'menu_timeout', '5'), file(9, 'menu_timeout', 'soon', 'lab-*')]);
    expect(config.menu_timeout).toBe(5);
    expect(origins.menu_timeout).toMatchObject({ line: 2 });
    expect(problems.map(formatProblem)).toEqual([
      '/etc/vdd/launcher.conf:9 [lab-*]: menu_timeout: "soon": expected a whole number from 0 to 3600 (seconds); keeping "5" from /etc/vdd/launcher.conf:2 [common]',
    ]);
  });

  it('reports an unknown key with a suggestion', () => {
    const { problems } = resolveConfig([file(4, 'menu_timout', '5')]);
    expect(problems.map(formatProblem)).toEqual(['/etc/vdd/launcher.conf:4 [common]: menu_timout: unknown key (did you mean menu_timeout?); ignored']);
  });

  it('rejects out-of-range numbers, unknown choices, relative paths and non-http URLs', () => {
    const { config, problems } = resolveConfig([
      file(1, 'broker_timeout', '5'),
      file(2, 'log_level', 'loud'),
      file(3, 'cache_dir', 'run/vdd'),
      file(4, 'broker', 'ftp://b/'),
      file(5, 'broker', 'http://user:pw@b/'),
    ]);
    expect(config).toMatchObject({ broker_timeout: 3000, log_level: 'info', cache_dir: '/run/vdd', broker: [] });
    expect(problems.map((p) => p.message)).toEqual([
      '"5": expected a whole number from 100 to 60000 (milliseconds); keeping "3000" from default',
      '"loud": expected one of error, warn, info, debug; keeping "info" from default',
      '"run/vdd": expected an absolute path; keeping "/run/vdd" from default',
      '"ftp://b/": expected up to 8 http:// or https:// URLs separated by commas; keeping (empty) from default',
      '"http://user:pw@b/": URLs must not carry a user name or password; keeping (empty) from default',
    ]);
  });

  it('accepts only screen sizes an X server can have for x_resolution', () => {
    const { config, problems } = resolveConfig([
      file(1, 'x_resolution', '1280x1024'),
      file(2, 'x_resolution', '99999x99999'),
      file(3, 'x_resolution', '100x100'),
    ]);
    expect(config.x_resolution).toBe('1280x1024');
    expect(problems.map((p) => p.message)).toEqual([
      '"99999x99999": expected auto or WIDTHxHEIGHT (width 320-16384, height 200-16384), e.g. 1024x768; keeping "1280x1024" from /etc/vdd/launcher.conf:1 [common]',
      '"100x100": expected auto or WIDTHxHEIGHT (width 320-16384, height 200-16384), e.g. 1024x768; keeping "1280x1024" from /etc/vdd/launcher.conf:1 [common]',
    ]);
  });

  it('parses a comma or space separated broker list', () => {
    expect(resolveConfig([file(1, 'broker', 'http://a:8080/, https://b/v1')]).config.broker).toEqual(['http://a:8080/', 'https://b/v1']);
  });

  it('shows control characters in a bad value escaped, never raw', () => {
    const { problems } = resolveConfig([file(1, 'menu_title', 'x\u001b[2Jy')]);
    expect(problems[0]?.message).toBe('"x\\x1b[2Jy": contains control characters; keeping "VDD thin client" from default');
  });
});
