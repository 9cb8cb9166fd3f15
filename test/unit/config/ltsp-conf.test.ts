// ltsp.conf as LTSP reads it, and the launcher's ltsp.conf layer: VDD_* keys in the sections LTSP
// applies to this client, and the discovery source that reports a broker found there.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { clientSettings, parseLtspConf, serverSettings, shellValue } from '../../../common/ltsp-conf/ltsp-conf.ts';
import { formatProblem } from '../../../common/launcher-config/source.ts';
import { loadConfig } from '../../../launcher/config/load.ts';
import { discoverBrokers } from '../../../launcher/discovery/discovery-sources.ts';
import { useTempDir } from '../../support/temp-dir.ts';

const dir = useTempDir();
const client = { macs: ['52:54:00:12:34:56'], ips: ['10.0.2.15'], hostname: 'lab-pc07' };

const sample = [
  '# /etc/ltsp/ltsp.conf - as an LTSP admin writes it',
  'TOP_LEVEL = "above any section"',
  '[server]',
  'BASE_DIR=/srv/ltsp',
  'DEFAULT_IMAGE = vdd-thin',
  '[common]',
  'VDD_MENU_TITLE = "Common title"',
  '[clients]',
  'VDD_BROKER = http://broker.lab:8080/',
  'POST_INIT_X="if true; then',
  '  echo multi-line value',
  'fi"',
  'VDD_MENU_TIMEOUT = 7',
  '[52:54:00:*]  # every QEMU client',
  'HOSTNAME=qemu-pc',
  'INCLUDE=front_desk',
  '[52:54:00:12:34:56]',
  'VDD_MENU_TITLE = never: the first matching MAC section wins',
  '[front_desk]',
  "VDD_MENU_TITLE = 'Front desk'",
  '[qemu-pc]',
  'VDD_DEFAULT_GUEST = debian # the hostname section comes last',
  '',
].join('\n');

describe('ltsp.conf as LTSP reads it', () => {
  it('applies the unnamed keys, [clients], [common], the first MAC section (and what it includes), then the hostname it set', () => {
    const settings = clientSettings(parseLtspConf(sample), client);
    const value = (key: string) => settings.findLast((setting) => setting.key === key);
    expect(settings.map((setting) => setting.section)).toEqual(['unnamed', 'clients', 'clients', 'clients', 'common', '52:54:00:*', 'front_desk', 'qemu-pc']);
    expect(value('VDD_BROKER')).toMatchObject({ value: 'http://broker.lab:8080/', line: 9, section: 'clients' });
    expect(value('VDD_MENU_TITLE')).toMatchObject({ value: "'Front desk'", section: 'front_desk' });
    expect(value('VDD_DEFAULT_GUEST')?.value).toBe('debian # the hostname section comes last');
    expect(settings.some((setting) => setting.key === 'BASE_DIR')).toBe(false);
  });

  it('gives the server [common] and [server] only', () => {
    const settings = serverSettings(parseLtspConf(sample));
    expect(settings.map((setting) => `${setting.section}:${setting.key}`)).toEqual([
      'unnamed:TOP_LEVEL',
      'common:VDD_MENU_TITLE',
      'server:BASE_DIR',
      'server:DEFAULT_IMAGE',
    ]);
  });

  it('runs an INCLUDEd section once, and stops at a loop', () => {
    const conf = parseLtspConf('[clients]\nINCLUDE = a\n[a]\nX=1\nINCLUDE=b\n[b]\nINCLUDE=a\nY=2\n');
    expect(clientSettings(conf, client).map((setting) => setting.key)).toEqual(['X', 'Y']);
  });

  it('takes only literal shell values', () => {
    expect(shellValue('http://a/')).toBe('http://a/');
    expect(shellValue('"http://a/, http://b/"')).toBe('http://a/, http://b/');
    expect(shellValue("'it''s'")).toBeUndefined();
    expect(shellValue("'$HOME stays'")).toBe('$HOME stays');
    expect(shellValue('value # comment')).toBe('value');
    expect(shellValue('""')).toBe('');
    for (const text of ['$BROKER', '"http://$SERVER/"', '`cat /x`', '"unclosed', 'a;b', 'two words', 'a\\b']) expect(shellValue(text)).toBeUndefined();
  });
});

describe("the launcher's ltsp.conf layer", () => {
  const ltspConf = join(dir, 'ltsp.conf');
  writeFileSync(ltspConf, sample);
  const load = (more: { configText?: string; cmdline?: string; path?: string } = {}) => {
    const config = join(dir, 'launcher.conf');
    writeFileSync(config, more.configText ?? '[common]\nbroker = http://image-file/\nmenu_title = Image\n');
    const cmdline = join(dir, 'cmdline');
    writeFileSync(cmdline, more.cmdline ?? 'quiet\n');
    return loadConfig({
      configFiles: [{ path: config, required: false }],
      ltspConf: { path: more.path ?? ltspConf, required: false },
      cmdlineFile: cmdline,
      env: {},
      flags: [],
      identity: client,
    });
  };

  it('sets launcher keys from VDD_* above the config files and below the kernel command line', () => {
    const loaded = load();
    expect(loaded.problems.map(formatProblem)).toEqual([]);
    expect(loaded.config).toMatchObject({ broker: ['http://broker.lab:8080/'], menu_title: 'Front desk', menu_timeout: 7, default_guest: 'debian' });
    expect(loaded.origins.broker).toEqual({ kind: 'file', path: ltspConf, line: 9, section: 'clients', layer: 'ltsp' });
    expect(loaded.files).toContainEqual({ path: ltspConf, role: 'ltsp', status: 'read' });
    expect(load({ cmdline: 'vdd.broker=http://kernel/\n' }).config.broker).toEqual(['http://kernel/']);
  });

  it('is absent on a PC that LTSP did not boot', () => {
    const loaded = load({ path: join(dir, 'no-ltsp.conf') });
    expect(loaded.config.broker).toEqual(['http://image-file/']);
    expect(loaded.files).toContainEqual({ path: join(dir, 'no-ltsp.conf'), role: 'ltsp', status: 'absent' });
  });

  it('names file, line and section of a broker URL that does not parse or is not a literal, and keeps the value below', () => {
    const bad = join(dir, 'bad-ltsp.conf');
    writeFileSync(bad, '[clients]\nVDD_BROKER = ftp://not-http/\nVDD_MENU_TITLE = "$(hostname)"\nVDD_NO_SUCH_KEY = 1\n');
    const loaded = load({ path: bad });
    const problems = loaded.problems.map(formatProblem);
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(new RegExp(`^${bad}:2 \\[clients\\]: VDD_BROKER: `)),
        expect.stringMatching(new RegExp(`^${bad}:3 \\[clients\\]: VDD_MENU_TITLE: expected a literal value`)),
        expect.stringMatching(new RegExp(`^${bad}:4 \\[clients\\]: VDD_NO_SUCH_KEY: `)),
      ]),
    );
    expect(loaded.config.broker).toEqual(['http://image-file/']);
    expect(loaded.config.menu_title).toBe('Image');
  });

  it('is the discovery source that found the broker, ahead of DHCP and the image file', async () => {
    const discovery = await discoverBrokers(load(), {}, true);
    expect(discovery.chosen).toBe('ltsp-conf');
    expect(discovery.brokers).toEqual([{ url: 'http://broker.lab:8080/', via: `ltsp.conf ${ltspConf}:9 [clients]` }]);
    expect(discovery.reports.find((report) => report.name === 'config-file')?.detail).toMatch(/^not used: broker is set by .*ltsp\.conf:9/);
  });
});
