// vdd-image's command line as a user meets it: help, usage errors, and the plans it prints
// without building anything.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { imageBuildSteps } from '../../../image/build/build-steps.ts';
import { imageCommands } from '../../../image/cli/commands.ts';
import { imageOptionSpecs } from '../../../image/cli/options.ts';

const program = new URL('../../../bin/vdd-image.js', import.meta.url).pathname;
const manual = readFileSync(new URL('../../../docs/image.md', import.meta.url), 'utf8');

function vddImage(...args: string[]) {
  const result = spawnSync(process.execPath, [program, ...args], { encoding: 'utf8', timeout: 20_000 });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('vdd-image command line', () => {
  it('--help names both commands and exits 0', () => {
    const result = vddImage('--help');
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/^Usage: vdd-image COMMAND/);
    expect(result.stdout).toContain('build [--spec FILE]');
    expect(result.stdout).toContain('boot [--net | --kernel | --disk [--uefi]]');
  });

  it('COMMAND --help shows that command and its options from the table', () => {
    const result = vddImage('publish', '--help');
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('vdd-image publish --root ROOT');
    expect(result.stdout).toMatch(/--keep N +publish: versions kept/);
    expect(result.stdout).not.toContain('--device');
  });

  it('every command of the table is in --help and in the manual', () => {
    const help = vddImage('--help').stdout;
    for (const command of imageCommands) {
      for (const form of command.usage) expect(help).toContain(form.synopsis);
      expect(manual).toContain(`vdd-image ${command.name}`);
    }
  });

  it('usage errors exit 2 with a hint', () => {
    expect(vddImage('frobnicate')).toMatchObject({ status: 2, stderr: expect.stringContaining("unknown command 'frobnicate'") });
    expect(vddImage('boot', '--spec', 'x.json')).toMatchObject({ status: 2, stderr: expect.stringContaining('--spec does not apply') });
    expect(vddImage('boot', '--mem', '12')).toMatchObject({ status: 2, stderr: expect.stringContaining('--mem 12: expected MiB') });
    expect(vddImage('boot', '--net', '--disk')).toMatchObject({ status: 2, stderr: expect.stringContaining("Try 'vdd-image --help'") });
  });

  it('an invalid spec is reported with the file and field, exit 1', () => {
    const result = vddImage('build', '--plan', '--spec', '/dev/null');
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('/dev/null: invalid image spec:\n  not valid JSON');
  });

  it('--plan --json lists the Debian steps with the mmdebstrap command', () => {
    const result = vddImage('build', '--plan', '--json');
    expect(result.status, result.stderr).toBe(0);
    const plan = JSON.parse(result.stdout) as { step: string; command?: string[] }[];
    expect(plan.map((step) => step.step)).toEqual(['root', 'purge', 'customize', 'kernel', 'initrd', 'trim', 'squashfs', 'netboot', 'disk', 'manifest']);
    expect(plan.map((step) => step.step)).toEqual(imageBuildSteps.vdd.map((step) => step.name));
    expect(plan[0]?.command).toEqual(expect.arrayContaining(['mmdebstrap', '--variant=minbase', '--dpkgopt=path-exclude=/usr/share/doc/*', 'bookworm']));
  });

  it('--backend gentoo --plan prints the Portage files and commands', () => {
    const result = vddImage('build', '--backend', 'gentoo', '--plan');
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toContain('# /var/tmp/vdd-thin-root/etc/portage/make.conf\n');
    expect(result.stdout).toContain('VIDEO_CARDS="fbdev vesa"');
    expect(result.stdout).toContain('sys-apps/busybox static -pam');
    expect(result.stdout).toContain('CONFIG_SQUASHFS=y');
    expect(result.stdout).toMatch(/^emerge --root \/var\/tmp\/vdd-thin-root .* x11-base\/xorg-server .*$/m);
    expect(result.stdout).toContain('vdd-image build --from-root /var/tmp/vdd-thin-root');
  });

  it.each(Object.keys(imageOptionSpecs))('docs/image.md documents --%s', (option) => {
    expect(manual).toContain(`--${option}`);
  });
});
