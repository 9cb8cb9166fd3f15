// The built single executable, run as a user would: help, version, config layering and errors.
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { launcherPath, requireLauncher, runLauncher } from '../../support/launcher-binary.ts';
import { useTempDir } from '../../support/temp-dir.ts';

const sampleConfig = fileURLToPath(new URL('../../../overlays/common/etc/vdd/launcher.conf', import.meta.url));
const dir = useTempDir();
const cmdline = join(dir, 'cmdline');
// Machine-wide files (/proc/cmdline, /run/vdd/disk/vdd.conf left by another run) never leak into these checks.
const noCmdline = ['--cmdline', '/dev/null', '--disk-config', '/dev/null'];

beforeAll(() => {
  requireLauncher();
  writeFileSync(cmdline, 'BOOT_IMAGE=/vmlinuz vdd.menu_timeout=7 quiet\n');
});

describe('vdd-launcher (single executable)', () => {
  it('runs without any Node on PATH and prints its version', () => {
    const empty = join(dir, 'empty-path');
    mkdirSync(empty);
    const result = runLauncher(['--version'], { PATH: empty });
    expect(result.stderr).toBe('');
    expect(result.stdout).toMatch(/^vdd-launcher \d+\.\d+\.\d+ \(node 24\.\d+\.\d+\)\n$/);
    expect(result.status).toBe(0);
  });

  it('documents every subcommand and the exit codes in --help', () => {
    const { stdout, status } = runLauncher(['--help']);
    expect(status).toBe(0);
    for (const command of ['menu', 'list', 'connect ID', 'discover', 'config', 'report']) expect(stdout).toContain(`  ${command}`);
    expect(stdout).toContain('--broker URL');
    expect(stdout).toContain('Exit status:');
    expect(runLauncher(['connect', '--help']).stdout).toMatch(/^Usage: vdd-launcher connect ID\|vnc:\/\/HOST.* \[--dry-run\] \[--json\] \[--exec\]/);
  });

  it('reports usage errors with exit status 2', () => {
    expect(runLauncher(['frobnicate'])).toMatchObject({ status: 2, stderr: expect.stringContaining("unknown command 'frobnicate'") });
    expect(runLauncher(['--no-such-flag'])).toMatchObject({ status: 2, stderr: expect.stringContaining("Unknown option '--no-such-flag'") });
    expect(runLauncher(['config', '--dry-run'])).toMatchObject({ status: 2, stderr: expect.stringContaining('option --dry-run does not apply') });
    expect(runLauncher(['connect'])).toMatchObject({ status: 2, stderr: expect.stringContaining('missing operand') });
    expect(runLauncher(['config', '--mac', 'zz'])).toMatchObject({ status: 2, stderr: expect.stringContaining('--mac zz: expected a MAC address') });
    expect(runLauncher(['config', '--set', 'novalue'])).toMatchObject({ status: 2, stderr: expect.stringContaining('--set novalue: expected KEY=VALUE') });
  });

  it('explains every value with its source, as JSON', () => {
    const { stdout, status } = runLauncher(
      [
        'config',
        '--explain',
        '--json',
        '--config',
        sampleConfig,
        '--cmdline',
        cmdline,
        '--hostname',
        'lab-pc07',
        '--mac',
        '00-1a-2b-3c-4d-5e',
        '--broker',
        'http://flag-broker:8080/',
      ],
      { VDD_MENU_TITLE: 'From env' },
    );
    expect(status).toBe(0);
    const explained = JSON.parse(stdout);
    expect(explained.identity).toMatchObject({ hostname: 'lab-pc07', macs: ['00:1a:2b:3c:4d:5e'] });
    expect(explained.sections.map((s: { section: string }) => s.section)).toEqual(['common', 'lab-pc*', '00:1a:2b:3c:4d:5e']);
    expect(explained.values.default_guest).toMatchObject({ value: 'debian', source: `${sampleConfig}:25 [lab-pc*]` });
    expect(explained.values.menu_timeout).toMatchObject({ value: 7, source: `${cmdline} (kernel command line)` });
    expect(explained.values.menu_title).toMatchObject({ value: 'From env', source: 'environment' });
    expect(explained.values.broker).toMatchObject({ value: ['http://flag-broker:8080/'], source: 'flag --broker' });
    expect(explained.values.log_level).toMatchObject({ value: 'info', source: 'default' });
    expect(explained.problems).toEqual([]);
  });

  it('explains as a text table too', () => {
    const { stdout } = runLauncher(['config', '--explain', '--config', sampleConfig, ...noCmdline, '--hostname', 'lab-pc01']);
    expect(stdout).toMatch(new RegExp(`^default_guest +debian +${sampleConfig.replaceAll('/', '\\/')}:25 \\[lab-pc\\*\\]$`, 'm'));
    expect(stdout).toMatch(/^log_level +info +default$/m);
  });

  it('takes VDD_BROKER as a comma list and prints one key for scripts', () => {
    const result = runLauncher(['config', 'broker', '--json', ...noCmdline], { VDD_BROKER: 'http://a/,https://b:8443/v1' });
    expect(JSON.parse(result.stdout)).toEqual(['http://a/', 'https://b:8443/v1']);
    expect(runLauncher(['config', 'menu_timeout', ...noCmdline]).stdout).toBe('10\n');
  });

  it('keeps the last valid value, warns on stderr and fails --check with exit status 3', () => {
    const bad = join(dir, 'bad.conf');
    writeFileSync(bad, '[common]\nmenu_timeout = 12\n[*]\nmenu_timeout = later\nmenu_titel = x\n');
    const value = runLauncher(['config', 'menu_timeout', '--config', bad, ...noCmdline]);
    expect(value.stdout).toBe('12\n');
    expect(value.status).toBe(0);
    expect(value.stderr).toBe(
      [
        `vdd-launcher: ${bad}:4 [*]: menu_timeout: "later": expected a whole number from 0 to 3600 (seconds); keeping "12" from ${bad}:2 [common]`,
        `vdd-launcher: ${bad}:5 [*]: menu_titel: unknown key (did you mean menu_title?); ignored`,
        '',
      ].join('\n'),
    );
    const check = runLauncher(['config', '--check', '--json', '--config', bad, ...noCmdline]);
    expect(check.status).toBe(3);
    expect(JSON.parse(check.stdout)).toMatchObject({
      valid: false,
      problems: [expect.stringContaining(':4 [*]: menu_timeout'), expect.stringContaining(':5 [*]: menu_titel')],
    });
    const good = runLauncher(['config', '--check', '--config', sampleConfig, ...noCmdline]);
    expect(good).toMatchObject({ status: 0, stdout: 'configuration is valid\n' });
  });

  it('says plainly when the config file cannot be read by the unprivileged user', () => {
    const secret = join(dir, 'secret.conf');
    writeFileSync(secret, '[common]\nmenu_timeout = 1\n');
    chmodSync(secret, 0o600);
    chmodSync(dir, 0o755);
    const result = runLauncher(['config', '--check', '--config', secret, ...noCmdline], {}, '65534');
    expect(result.stdout).toBe(`${secret}: cannot read: permission denied; its settings are not used\n`);
    expect(result.status).toBe(3);
  });

  it('never echoes escape sequences from a config file to the terminal', () => {
    const hostile = join(dir, 'hostile.conf');
    writeFileSync(hostile, '[common]\nmenu_title = \u001b]0;pwned\u0007\u001b[2J\n\u001b[31m = 1\n');
    const result = runLauncher(['config', '--explain', '--config', hostile, ...noCmdline]);
    expect(result.stdout + result.stderr).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f]/);
    expect(result.stdout).toContain('contains control characters');
  });

  it('is a stripped ELF executable', () => {
    const file = runLauncherFile();
    expect(file).toContain('ELF 64-bit');
    expect(file).toContain('stripped');
    expect(file).not.toContain('not stripped');
  });
});

function runLauncherFile(): string {
  return execFileSync('file', ['-b', launcherPath], { encoding: 'utf8' });
}
