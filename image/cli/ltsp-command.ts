// vdd-image ltsp: puts the LTSP flavour's root on a stock LTSP server (BASE_DIR/NAME, by rename),
// checks the server's ltsp.conf and says what to add to it and what to run next (ltsp image,
// ltsp ipxe, ltsp initrd); with --apply it writes ltsp.conf (and the NBD export) and runs them.
// Everything is checked before anything is installed.
import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { UsageError } from '../../common/cli/command-line.ts';
import { sharedExitCodes as exitCodes } from '../../common/exit-codes.ts';
import { defaultLtspConfPath, ltspConfLimits } from '../../common/ltsp-conf/ltsp-conf.ts';
import { stripControls } from '../../common/text/terminal-safe.ts';
import { checkBaseDir, checkName, installRoot } from '../ltsp/install-root.ts';
import {
  checkLtspConf,
  LtspConfError,
  ltspDefaultBaseDir,
  mergeLtspConf,
  parseBrokerOption,
  sectionText,
  wantedKeys,
  type LtspBootPath,
} from '../ltsp/ltsp-conf-plan.ts';
import { findLtspVersion } from '../ltsp/ltsp-version.ts';
import type { ImageCommandContext } from './command.ts';

/** Where Debian's nbd-server reads extra exports from (its config has includedir = this). */
export const nbdExportDir = '/etc/nbd-server/conf.d';

export function nbdExport(name: string, baseDir: string): string {
  return `# vdd-thin (vdd-image ltsp): the LTSP image ${name} over NBD, read-only\n[${name}]\nexportname = ${baseDir}/images/${name}.img\nreadonly = true\n`;
}

export async function ltsp({ options, paths }: ImageCommandContext): Promise<number> {
  const baseDir = options['base-dir'] ?? ltspDefaultBaseDir;
  const name = options.name ?? 'vdd-thin';
  const confPath = options['ltsp-conf'] ?? defaultLtspConfPath;
  const boot: LtspBootPath = options.nbd ? 'nbd' : 'nfs';
  if (options.from !== undefined && options['image-version'] !== undefined) throw new UsageError('ltsp: choose one of --from DIR and --image-version V');
  const kernelParameters = options['kernel-parameters'];
  if (kernelParameters !== undefined && !/^[\x21-\x26\x28-\x7e ]{1,1024}$/.test(kernelParameters))
    throw new UsageError('--kernel-parameters: expected printable kernel parameters without single quotes');
  const say = (line: string) => process.stderr.write(`vdd-image ltsp: ${stripControls(line)}\n`);

  // Everything is checked first: nothing is installed when anything is wrong.
  checkName(name);
  checkBaseDir(baseDir);
  const version = findLtspVersion(options.out ?? paths.outRoot, { from: options.from, version: options['image-version'] });
  const broker = options.broker === undefined ? undefined : parseBrokerOption(options.broker);
  const wanted = wantedKeys({ name, boot, ...(broker === undefined ? {} : { broker }), ...(kernelParameters === undefined ? {} : { kernelParameters }) });
  const confText = existsSync(confPath) ? readFileSync(confPath, 'utf8') : '';
  if (confText.length > ltspConfLimits.maxBytes) throw new LtspConfError([`${confPath}: larger than ${ltspConfLimits.maxBytes} bytes`]);
  const check = checkLtspConf(confText, confPath, wanted, baseDir);
  if (check.problems.length > 0) throw new LtspConfError(check.problems.map((problem) => `${problem}`));
  const merged = check.missing.length > 0 ? mergeLtspConf(confText, wanted) : confText;

  const root = await installRoot({ squashfs: join(version.dir, 'root.squashfs'), baseDir, name, say });
  const commands = [
    ['ltsp', 'image', name],
    ['ltsp', 'ipxe'],
    ['ltsp', 'initrd'],
  ];
  let wroteConf = false;
  const ran: { command: string[]; seconds: number }[] = [];
  if (options.apply) {
    if (check.missing.length > 0) {
      writeAtomically(confPath, merged, confText === '' ? undefined : `${confPath}.old`);
      wroteConf = true;
      say(`wrote ${confPath}: ${check.missing.map((missing) => missing.wanted.key).join(', ')}${confText === '' ? '' : ` (the old one is ${confPath}.old)`}`);
    }
    if (boot === 'nbd') {
      writeAtomically(join(nbdExportDir, `${name}.conf`), nbdExport(name, baseDir));
      say(`wrote ${join(nbdExportDir, `${name}.conf`)}: restart nbd-server for it`);
    }
    for (const command of commands) ran.push({ command, seconds: await runLtsp(command, say) });
  }

  if (options.json) {
    process.stdout.write(
      `${JSON.stringify(
        {
          version: version.manifest.version,
          from: version.dir,
          root,
          boot,
          ltspConf: { path: confPath, exists: confText !== '', missing: check.missing, written: wroteConf, section: sectionText(wanted) },
          nbdExport: boot === 'nbd' ? nbdExport(name, baseDir) : null,
          commands,
          ran,
        },
        null,
        2,
      )}\n`,
    );
    return exitCodes.ok;
  }
  const out: string[] = [`${root.replaced ? 'Replaced' : 'Installed'} ${root.path} (vdd-thin ${version.manifest.version}, LTSP flavour).`];
  if (check.missing.length > 0 && !wroteConf) {
    out.push(
      '',
      `${confPath} ${confText === '' ? 'does not exist' : `lacks ${check.missing.map((missing) => `${missing.wanted.key}${missing.now === undefined ? '' : ` (now ${missing.now})`}`).join(', ')}`}; add (or run with --apply):`,
      '',
      sectionText(check.missing.map((missing) => missing.wanted)).trimEnd(),
    );
  }
  if (broker === undefined && !/^\s*VDD_BROKER\s*=/m.test(merged))
    out.push('', 'No VDD_BROKER in ltsp.conf: the launcher looks for the broker in DHCP option 224 or 43, then DNS-SD and DNS SRV (--broker URL sets it).');
  if (boot === 'nbd' && !options.apply)
    out.push('', `Export the image over NBD (${nbdExportDir}/${name}.conf), then restart nbd-server:`, '', nbdExport(name, baseDir).trimEnd());
  if (!options.apply) {
    out.push('', 'Then, on this server:', '', ...commands.map((command) => `    ${command.join(' ')}`));
    out.push('', `Once per server, if not done yet: ltsp dnsmasq (DHCP/TFTP), ${boot === 'nfs' ? 'ltsp nfs (exports BASE_DIR)' : 'nbd-server (above)'}.`);
  } else
    out.push(
      '',
      `Ran ${ran.map((entry) => `${entry.command.join(' ')} (${entry.seconds.toFixed(0)} s)`).join(', ')}. Clients boot ${name} from LTSP's iPXE menu.`,
    );
  process.stdout.write(`${out.join('\n')}\n`);
  return exitCodes.ok;
}

function writeAtomically(path: string, text: string, backup?: string): void {
  mkdirSync(dirname(path), { recursive: true });
  const partial = `${path}.vdd-partial-${process.pid}`;
  writeFileSync(partial, text, { mode: 0o644 });
  if (backup !== undefined) copyFileSync(path, backup);
  renameSync(partial, path);
}

/** Runs an LTSP command with its output on standard error; fails with its exit status. */
function runLtsp(command: readonly string[], say: (line: string) => void): Promise<number> {
  const started = Date.now();
  say(`running ${command.join(' ')}`);
  return new Promise((resolve, reject) => {
    const child = spawn(command[0] ?? 'ltsp', command.slice(1), { stdio: ['ignore', process.stderr, process.stderr] });
    child.once('error', (error: NodeJS.ErrnoException) =>
      reject(
        new Error(error.code === 'ENOENT' ? `${command[0]} is not installed: apt-get install ltsp` : `${command.join(' ')}: ${error.message}`, {
          cause: error,
        }),
      ),
    );
    child.once('exit', (code, signal) => {
      if (code === 0) resolve((Date.now() - started) / 1000);
      else reject(new Error(`${command.join(' ')} failed (${signal ?? `exit status ${code}`}); the root stays installed, run it again once fixed`));
    });
  });
}
