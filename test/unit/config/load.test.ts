import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig, type ConfigInputs } from '../../../launcher/config/load.ts';
import { formatProblem } from '../../../common/launcher-config/source.ts';
import { useTempDir } from '../../support/temp-dir.ts';

const dir = useTempDir();
const client = { macs: ['52:54:00:12:34:56'], ips: ['10.0.2.15'], hostname: 'lab-pc07' };

function write(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

function inputs(overrides: Partial<ConfigInputs>): ConfigInputs {
  return {
    configFiles: [{ path: join(dir, 'absent.conf'), required: false }],
    cmdlineFile: join(dir, 'absent-cmdline'),
    env: {},
    flags: [],
    identity: client,
    ...overrides,
  };
}

describe('loadConfig layering', () => {
  const configFile = write(
    'layers.conf',
    [
      '[common]',
      'menu_timeout = 1',
      'menu_title = Common',
      'broker = http://file/',
      '[52:54:00:12:34:56]',
      'menu_timeout = 2',
      '[lab-*]',
      'menu_title = Lab',
      '[office-*]',
      'menu_title = Office',
      '',
    ].join('\n'),
  );
  const cmdlineFile = write('cmdline', 'quiet vdd.menu_timeout=3 vdd.broker=http://cmdline/\n');

  it('defaults < file [common] < matching sections < kernel cmdline < environment < flags', () => {
    const loaded = loadConfig(
      inputs({
        configFiles: [{ path: configFile, required: false }],
        cmdlineFile,
        env: { VDD_BROKER: 'http://env1/,http://env2/', PATH: '/bin' },
        flags: [{ key: 'menu_title', name: 'menu_title', value: 'Flag', source: { kind: 'flag', flag: '--set' } }],
      }),
    );
    expect(loaded.problems).toEqual([]);
    expect(loaded.config).toMatchObject({ menu_timeout: 3, menu_title: 'Flag', broker: ['http://env1/', 'http://env2/'], log_level: 'info' });
    expect(loaded.origins.menu_timeout).toEqual({ kind: 'cmdline', path: cmdlineFile });
    expect(loaded.origins.broker).toEqual({ kind: 'env' });
    expect(loaded.origins.menu_title).toEqual({ kind: 'flag', flag: '--set' });
    expect(loaded.sections.map((s) => s.section)).toEqual(['common', '52:54:00:12:34:56', 'lab-*']);
  });

  it('a section for another client changes nothing', () => {
    const loaded = loadConfig(
      inputs({ configFiles: [{ path: configFile, required: false }], identity: { macs: ['00:00:5e:00:00:01'], ips: ['192.0.2.9'], hostname: 'office-3' } }),
    );
    expect(loaded.config).toMatchObject({ menu_timeout: 1, menu_title: 'Office' });
  });

  it('reports bad syntax, unknown keys and bad values with file, line and key, keeping lower values', () => {
    const bad = write('bad.conf', '[common]\nmenu_timeout = 4\nnot a setting\ncolour = blue\n[lab-*]\nmenu_timeout = -1\n');
    const cmdline = write('bad-cmdline', 'vdd.menu_timeout=forever vdd.nosuch=1 vdd.broker\n');
    const loaded = loadConfig(inputs({ configFiles: [{ path: bad, required: false }], cmdlineFile: cmdline, env: { VDD_LOG_LEVEL: 'chatty' } }));
    expect(loaded.config.menu_timeout).toBe(4);
    expect(loaded.config.log_level).toBe('info');
    expect(loaded.problems.map(formatProblem)).toEqual([
      `${bad}:3: syntax error: expected "KEY = value", "[section]" or a # comment`,
      `${cmdline} (kernel command line): vdd.broker: expected vdd.KEY=VALUE; ignored`,
      `${bad}:4 [common]: colour: unknown key; ignored`,
      `${bad}:6 [lab-*]: menu_timeout: "-1": expected a whole number from 0 to 3600 (seconds); keeping "4" from ${bad}:2 [common]`,
      `${cmdline} (kernel command line): vdd.menu_timeout: "forever": expected a whole number from 0 to 3600 (seconds); keeping "4" from ${bad}:2 [common]`,
      `${cmdline} (kernel command line): vdd.nosuch: unknown key; ignored`,
      'environment: VDD_LOG_LEVEL: "chatty": expected one of error, warn, info, debug; keeping "info" from default',
    ]);
  });

  it("the flashed disk's vdd.conf overrides the image's launcher.conf, section by section", () => {
    const disk = write('vdd.conf', '[common]\nmenu_title = Refurbished\n[office-*]\nmenu_timeout = 30\n');
    const loaded = loadConfig(
      inputs({
        configFiles: [
          { path: configFile, required: false },
          { path: disk, required: false },
        ],
      }),
    );
    expect(loaded.config).toMatchObject({ menu_title: 'Refurbished', menu_timeout: 2 });
    expect(loaded.origins.menu_title).toEqual({ kind: 'file', path: disk, line: 2, section: 'common' });
  });

  it('an absent default config file is fine; an absent file named with --config is a problem', () => {
    expect(loadConfig(inputs({})).problems).toEqual([]);
    const missing = join(dir, 'missing.conf');
    const loaded = loadConfig(inputs({ configFiles: [{ path: missing, required: true }] }));
    expect(loaded.problems.map(formatProblem)).toEqual([`${missing}: cannot read: no such file; its settings are not used`]);
    expect(loaded.files).toContainEqual({ path: missing, role: 'config', status: 'unreadable' });
  });

  it('a directory or an oversized file is refused with the reason', () => {
    const folder = join(dir, 'folder.conf');
    mkdirSync(folder);
    expect(loadConfig(inputs({ configFiles: [{ path: folder, required: false }] })).problems.map(formatProblem)).toEqual([
      `${folder}: cannot read: is a directory; its settings are not used`,
    ]);
    const huge = write('huge.conf', `# ${'x'.repeat(300 * 1024)}\n`);
    expect(loadConfig(inputs({ configFiles: [{ path: huge, required: false }] })).problems.map(formatProblem)).toEqual([
      `${huge}: cannot read: larger than 262144 bytes; its settings are not used`,
    ]);
    const longCmdline = write('long-cmdline', `vdd.menu_timeout=1 ${'x'.repeat(5000)}`);
    const loaded = loadConfig(inputs({ cmdlineFile: longCmdline }));
    expect(loaded.config.menu_timeout).toBe(10);
    expect(loaded.problems.map(formatProblem)).toEqual([`${longCmdline}: cannot read: larger than 4096 bytes; its settings are not used`]);
  });
});
