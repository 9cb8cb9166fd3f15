// Where vdd-image ltsp puts its ltsp.conf keys: LTSP 23's ltsp ipxe reads DEFAULT_IMAGE and
// KERNEL_PARAMETERS from [server] for every client and from an exact [MAC] section for that client
// (/usr/share/ltsp/server/ipxe/55-ipxe.sh, client_sections). With --mac nothing server-wide changes;
// without it, a [server] value set otherwise or a server with other images is left alone.
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  checkLtspConf,
  LtspConfError,
  ltspConfSetsBroker,
  mergeLtspConf,
  parseMacOption,
  readServerLtspConf,
  sectionText,
  wantedKeys,
} from '../../../image/ltsp/ltsp-conf-plan.ts';
import { useTempDir } from '../../support/temp-dir.ts';

const nbdRoot = "'root=/dev/nbd0 nbdroot=${srv},vdd-thin,nbd0 boot=local ltsp.image='";
const fresh = { makeDefault: false, otherImages: [] };
const site = `[server]\nDEFAULT_IMAGE=x86_64\nKERNEL_PARAMETERS="quiet"\n\n[clients]\nLOCAL_SWAP=0\n`;

describe('ltsp.conf keys for these clients', () => {
  it('--mac: every key in each client’s own section, written by a merge that leaves [server] alone', () => {
    const macs = parseMacOption('52:54:00:07:21:01,52-54-00-07-21-0A');
    expect(macs).toEqual(['52:54:00:07:21:01', '52:54:00:07:21:0a']);
    const wanted = wantedKeys({ name: 'vdd-thin', boot: 'nbd', broker: ['http://b/'], macs });
    expect(wanted.map((key) => `${key.section} ${key.key}`)).toEqual([
      '52:54:00:07:21:01 DEFAULT_IMAGE',
      '52:54:00:07:21:01 KERNEL_PARAMETERS',
      '52:54:00:07:21:01 VDD_BROKER',
      '52:54:00:07:21:0a DEFAULT_IMAGE',
      '52:54:00:07:21:0a KERNEL_PARAMETERS',
      '52:54:00:07:21:0a VDD_BROKER',
    ]);
    const check = checkLtspConf(site, 'ltsp.conf', wanted, '/srv/ltsp', { makeDefault: false, otherImages: ['x86_64'] });
    expect(check.problems).toEqual([]);
    expect(check.kept).toEqual([]);
    expect(check.missing).toHaveLength(6);
    expect(check.notes).toEqual([expect.stringContaining('ltsp.conf:3 [server] KERNEL_PARAMETERS="quiet" no longer applies to these clients')]);
    const merged = mergeLtspConf(site, wanted);
    expect(merged.startsWith(site.trimEnd())).toBe(true);
    expect(merged).toContain(`\n[52:54:00:07:21:01]\n# vdd-thin: the image LTSP's iPXE menu starts for this client\nDEFAULT_IMAGE=vdd-thin\n`);
    expect(merged).toContain(`KERNEL_PARAMETERS=${nbdRoot}\n# vdd-thin: where vdd-launcher finds the broker\nVDD_BROKER="http://b/"\n\n[52:54:00:07:21:0a]\n`);
    expect(checkLtspConf(merged, 'ltsp.conf', wanted, '/srv/ltsp', { makeDefault: false, otherImages: ['x86_64'] }).missing).toEqual([]);
    expect(sectionText(wanted.slice(0, 1))).toBe(
      "[52:54:00:07:21:01]\n# vdd-thin: the image LTSP's iPXE menu starts for this client\nDEFAULT_IMAGE=vdd-thin\n",
    );
  });

  it('--mac: an existing section of that client is edited in place; a glob section above it that LTSP would read instead is refused', () => {
    const wanted = wantedKeys({ name: 'vdd-thin', boot: 'nfs', macs: ['52:54:00:07:21:01'] });
    const own = '[52:54:00:07:21:01]\nHOSTNAME=pc01\nDEFAULT_IMAGE=x86_64\n';
    expect(mergeLtspConf(own, wanted)).toBe('[52:54:00:07:21:01]\nHOSTNAME=pc01\nDEFAULT_IMAGE=vdd-thin\n');
    const shadowed = checkLtspConf('[52:54:00:*]\nHOSTNAME=lab\n[52:54:00:07:21:01]\nHOSTNAME=pc01\n', 'ltsp.conf', wanted, '/srv/ltsp', fresh);
    expect(shadowed.problems).toEqual([
      'ltsp.conf:1 [52:54:00:*] comes before any [52:54:00:07:21:01] and matches it: LTSP reads that section for this client, not its own; put a [52:54:00:07:21:01] section above it',
    ]);
    expect(() => parseMacOption('52:54:00:*')).toThrow(LtspConfError);
    expect(() => parseMacOption('52:54:00:07:21:01,')).toThrow(/an empty address is not a MAC address/);
  });

  it('without --mac: [server] on a server with no other image and no value of its own', () => {
    const wanted = wantedKeys({ name: 'vdd-thin', boot: 'nbd', broker: ['http://b/'] });
    const check = checkLtspConf('', 'ltsp.conf', wanted, '/srv/ltsp', fresh);
    expect(check.problems).toEqual([]);
    expect(check.missing.map((missing) => `${missing.wanted.section} ${missing.wanted.key}`)).toEqual([
      'server DEFAULT_IMAGE',
      'server KERNEL_PARAMETERS',
      'clients VDD_BROKER',
    ]);
  });

  it("without --mac: an admin's DEFAULT_IMAGE and other images are left alone, and a server-wide NBD root is refused", () => {
    const nfs = wantedKeys({ name: 'vdd-thin', boot: 'nfs', broker: ['http://b/'] });
    const check = checkLtspConf(site, 'ltsp.conf', nfs, '/srv/ltsp', fresh);
    expect(check.problems).toEqual([]);
    expect(check.kept).toEqual([{ wanted: nfs[0], now: 'x86_64', why: 'ltsp.conf:2 [server] sets x86_64 for every client' }]);
    expect(check.missing.map((missing) => missing.wanted.key)).toEqual(['VDD_BROKER']);
    // No DEFAULT_IMAGE, but other images: LTSP's own default (x86_64) boots them today.
    const others = checkLtspConf('', 'ltsp.conf', nfs, '/srv/ltsp', { makeDefault: false, otherImages: ['bookworm', 'x86_64'] });
    expect(others.kept.map((kept) => kept.why)).toEqual(["this server's other images (bookworm, x86_64) would get it too"]);
    const nbd = wantedKeys({ name: 'vdd-thin', boot: 'nbd' });
    expect(checkLtspConf(site, 'ltsp.conf', nbd, '/srv/ltsp', fresh).problems).toEqual([
      'KERNEL_PARAMETERS for these clients: ltsp.conf:3 [server] sets "quiet" for every client; give --mac MAC[,MAC] to set it in these clients\' own sections, or --make-default to set it in [server] for every client',
    ]);
    // --make-default: the admin asked for vdd-thin to be every client's default.
    const made = checkLtspConf(site, 'ltsp.conf', nbd, '/srv/ltsp', { makeDefault: true, otherImages: ['x86_64'] });
    expect(made.problems).toEqual([]);
    expect(made.kept).toEqual([]);
    expect(made.missing.map((missing) => `${missing.wanted.key} ${missing.now}`)).toEqual(['DEFAULT_IMAGE x86_64', 'KERNEL_PARAMETERS "quiet"']);
    expect(
      mergeLtspConf(
        site,
        made.missing.map((missing) => missing.wanted),
      ),
    ).toContain(`[server]\nDEFAULT_IMAGE=vdd-thin\nKERNEL_PARAMETERS=${nbdRoot}\n`);
  });
});

describe("the server's ltsp.conf as read", () => {
  const work = useTempDir('vdd-ltsp-conf-read-');

  it('a missing file is an empty one that does not exist; one that cannot be read is refused with its path and what to do', () => {
    expect(readServerLtspConf(join(work, 'none.conf'))).toEqual({ text: '', exists: false });
    writeFileSync(join(work, 'empty.conf'), '');
    expect(readServerLtspConf(join(work, 'empty.conf'))).toEqual({ text: '', exists: true });
    const refused = (path: string) => () => readServerLtspConf(path);
    expect(refused(work)).toThrow(`--ltsp-conf ${work}: cannot be read (is a directory): give --ltsp-conf the server's ltsp.conf file`);
    expect(refused(join(work, 'empty.conf/ltsp.conf'))).toThrow(
      `--ltsp-conf ${join(work, 'empty.conf/ltsp.conf')}: cannot be read (a parent is not a directory)`,
    );
    writeFileSync(join(work, 'big.conf'), '#'.repeat(300 * 1024));
    expect(refused(join(work, 'big.conf'))).toThrow(/cannot be read \(larger than 262144 bytes\): an ltsp\.conf is a few KiB/);
  });

  it('permission denied says to run it as root', () => {
    const dir = join(work, 'private');
    mkdirSync(dir, { mode: 0o755 });
    const path = join(dir, 'ltsp.conf');
    writeFileSync(path, '[server]\n', { mode: 0o600 });
    const expected = `--ltsp-conf ${path}: cannot be read (permission denied): run vdd-image ltsp as root`;
    if (process.getuid?.() !== 0) {
      chmodSync(path, 0);
      expect(() => readServerLtspConf(path)).toThrow(expected);
      return;
    }
    // As root every file is readable: read it as nobody.
    const module = new URL('../../../image/ltsp/ltsp-conf-plan.ts', import.meta.url).pathname;
    const script = `import { readServerLtspConf } from ${JSON.stringify(module)}; try { readServerLtspConf(${JSON.stringify(path)}); } catch (error) { process.stdout.write(error.message); }`;
    const result = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', uid: 65534, gid: 65534 });
    expect(result.stdout, result.stderr).toContain(expected);
  });

  it('an empty VDD_BROKER gives no client a broker', () => {
    expect(ltspConfSetsBroker('[clients]\nVDD_BROKER=\n[52:54:00:*]\nVDD_BROKER=""\n')).toBe(false);
    expect(ltspConfSetsBroker('[clients]\n# VDD_BROKER="http://b/"\n')).toBe(false);
    expect(ltspConfSetsBroker('[clients]\nVDD_BROKER=\n[52:54:00:12:34:56]\nVDD_BROKER="http://b/"\n')).toBe(true);
  });
});
