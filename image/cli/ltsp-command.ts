// vdd-image ltsp: puts the LTSP flavour's root on a stock LTSP server (BASE_DIR/NAME, by rename),
// checks the server's ltsp.conf and says what to add to it and what to run next (ltsp image,
// ltsp ipxe, ltsp initrd); with --apply it writes ltsp.conf (and the NBD export) and runs them.
// Everything is checked before anything is installed (with --apply, also that ltsp and nbd-server
// are there). What it writes is scoped to these clients where LTSP allows (--mac); server-wide
// values an admin set are left alone unless --make-default. SIGINT and SIGTERM stop it with 130
// and remove whatever it had half written.
import { spawn } from 'node:child_process';
import { accessSync, constants, copyFileSync, mkdirSync } from 'node:fs';
import { delimiter, dirname, isAbsolute, join } from 'node:path';
import { UsageError } from '../../common/cli/command-line.ts';
import { sharedExitCodes as exitCodes } from '../../common/exit-codes.ts';
import { defaultLtspConfPath } from '../../common/ltsp-conf/ltsp-conf.ts';
import { replaceFile } from '../../common/io/replace-file.ts';
import { stripControls } from '../../common/text/terminal-safe.ts';
import { checkBaseDir, checkName, installRoot, LtspInstallError, LtspInterrupted, otherLtspImages } from '../ltsp/install-root.ts';
import {
  checkLtspConf,
  LtspConfError,
  ltspConfSetsBroker,
  ltspDefaultBaseDir,
  mergeLtspConf,
  parseBrokerOption,
  parseMacOption,
  readServerLtspConf,
  sectionText,
  wantedKeys,
  type LtspBootPath,
} from '../ltsp/ltsp-conf-plan.ts';
import { checkLtspArtifacts, findLtspVersion } from '../ltsp/ltsp-version.ts';
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
  const makeDefault = options['make-default'] ?? false;
  if (options.from !== undefined && options['image-version'] !== undefined) throw new UsageError('ltsp: choose one of --from DIR and --image-version V');
  if (options.mac !== undefined && makeDefault)
    throw new UsageError("ltsp: choose one of --mac (these clients' own sections) and --make-default ([server], every client)");
  const kernelParameters = options['kernel-parameters'];
  // LTSP's ltsp ipxe puts KERNEL_PARAMETERS into ltsp.ipxe with sed: & | and \ would not survive it.
  if (kernelParameters !== undefined && !/^[\x21-\x25\x28-\x5b\x5d-\x7b\x7d\x7e ]{1,1024}$/.test(kernelParameters))
    throw new UsageError("--kernel-parameters: expected printable kernel parameters without ' & | or \\ (LTSP's ltsp ipxe would mangle them)");
  // An empty --broker would write no VDD_BROKER and hide that the clients must discover the broker.
  if (options.broker?.split(/[\s,]+/).every((item) => item === ''))
    throw new UsageError('--broker: expected URL[,URL]; leave --broker out to let the clients discover the broker (DHCP, DNS-SD, DNS SRV)');
  const say = (line: string) => process.stderr.write(`vdd-image ltsp: ${stripControls(line)}\n`);

  // Everything is checked first: nothing is installed when anything is wrong.
  checkName(name);
  checkBaseDir(baseDir);
  const version = findLtspVersion(options.out ?? paths.outRoot, { from: options.from, version: options['image-version'] });
  const broker = options.broker === undefined ? undefined : parseBrokerOption(options.broker);
  const macs = options.mac === undefined ? undefined : parseMacOption(options.mac);
  const wanted = wantedKeys({
    name,
    boot,
    ...(broker === undefined ? {} : { broker }),
    ...(kernelParameters === undefined ? {} : { kernelParameters }),
    ...(macs === undefined ? {} : { macs }),
  });
  const { text: confText, exists: confExists } = readServerLtspConf(confPath);
  const otherImages = otherLtspImages(baseDir, name);
  const check = checkLtspConf(confText, confPath, wanted, baseDir, { makeDefault, otherImages });
  if (check.problems.length > 0) throw new LtspConfError(check.problems.map((problem) => `${problem}`));
  const toWrite = check.missing.map((missing) => missing.wanted);
  const merged = toWrite.length > 0 ? mergeLtspConf(confText, toWrite) : confText;
  const commands = [
    ['ltsp', 'image', name],
    ['ltsp', 'ipxe'],
    ['ltsp', 'initrd'],
  ];
  if (options.apply) {
    const absent = [
      ...(onPath('ltsp') ? [] : ['ltsp (apt-get install ltsp)']),
      ...(boot === 'nbd' && !onPath('nbd-server') ? ['nbd-server (apt-get install nbd-server)'] : []),
    ];
    if (absent.length > 0)
      throw new LtspInstallError(
        `--apply runs LTSP's commands${boot === 'nbd' ? ' and serves the image with nbd-server' : ''}, but ${absent.join(' and ')} ${absent.length > 1 ? 'are' : 'is'} not installed; nothing was changed`,
      );
  }
  // Last of the checks, as it reads the whole root: a swapped or damaged one is not unpacked.
  await checkLtspArtifacts(version.dir, version.manifest);

  // Ctrl-C or SIGTERM: stop the child (unsquashfs, an ltsp command), remove what is half written, exit 130.
  const interrupt = new AbortController();
  const onSignal = (signal: NodeJS.Signals) => {
    if (!interrupt.signal.aborted) interrupt.abort(signal);
  };
  process.on('SIGINT', onSignal).on('SIGTERM', onSignal);
  const interrupted = (what: string) => {
    say(`interrupted (${String(interrupt.signal.reason ?? 'signal')}): ${what}`);
    return exitCodes.interrupted;
  };
  let root: { path: string; replaced: boolean };
  try {
    root = await installRoot({ squashfs: join(version.dir, 'root.squashfs'), baseDir, name, say, signal: interrupt.signal });
  } catch (error) {
    process.off('SIGINT', onSignal).off('SIGTERM', onSignal);
    if (error instanceof LtspInterrupted) return interrupted(error.message);
    throw error;
  }
  let wroteConf = false;
  const ran: { command: string[]; seconds: number }[] = [];
  try {
    if (options.apply) {
      if (toWrite.length > 0) {
        writeConfig(confPath, merged, confExists ? `${confPath}.old` : undefined);
        wroteConf = true;
        say(
          `wrote ${confPath}: ${[...new Set(toWrite.map((key) => `[${key.section}] ${key.key}`))].join(', ')}${confExists ? ` (the old one is ${confPath}.old)` : ''}`,
        );
      }
      for (const kept of check.kept) say(`left ${confPath} [${kept.wanted.section}] ${kept.wanted.key} as it is: ${kept.why} (--make-default changes it)`);
      if (boot === 'nbd') {
        writeConfig(join(nbdExportDir, `${name}.conf`), nbdExport(name, baseDir), undefined);
        say(`wrote ${join(nbdExportDir, `${name}.conf`)}: restart nbd-server for it`);
      }
      for (const command of commands) ran.push({ command, seconds: await runLtsp(command, say, interrupt.signal) });
    }
  } catch (error) {
    if (interrupt.signal.aborted)
      return interrupted(
        `${root.path} is installed${wroteConf ? ` and ${confPath} written` : ''}, but not all of ${commands.map((command) => command.join(' ')).join(', ')} ran: run vdd-image ltsp --apply again`,
      );
    throw error;
  } finally {
    process.off('SIGINT', onSignal).off('SIGTERM', onSignal);
  }

  if (options.json) {
    process.stdout.write(
      `${JSON.stringify(
        {
          version: version.manifest.version,
          from: version.dir,
          root,
          boot,
          scope: macs === undefined ? 'server' : { macs },
          ltspConf: {
            path: confPath,
            exists: confExists,
            missing: check.missing,
            kept: check.kept,
            notes: check.notes,
            written: wroteConf,
            section: sectionText(wanted),
          },
          otherImages,
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
  if (toWrite.length > 0 && !wroteConf) {
    out.push(
      '',
      `${confPath} ${!confExists ? 'does not exist' : confText.trim() === '' ? 'is empty' : `lacks ${check.missing.map((missing) => `${missing.wanted.key}${missing.wanted.section === 'server' || missing.wanted.section === 'clients' ? '' : ` for ${missing.wanted.section}`}${missing.now === undefined ? '' : ` (now ${missing.now})`}`).join(', ')}`}; add (or run with --apply):`,
      '',
      sectionText(toWrite).trimEnd(),
    );
  }
  if (wroteConf)
    out.push('', `Wrote ${confPath} (the lines below${confExists ? `; the old file is ${confPath}.old` : ''}):`, '', sectionText(toWrite).trimEnd());
  for (const kept of check.kept)
    out.push(
      '',
      `Not changed: [server] ${kept.wanted.key}${kept.now === undefined ? '' : ` (now ${kept.now})`}: ${kept.why}. Clients pick ${name} from LTSP's menu; give --mac MAC[,MAC] to make it these clients' default, or --make-default to make it every client's.`,
    );
  for (const note of check.notes) out.push('', `Note: ${note}.`);
  if (macs === undefined && check.missing.some((missing) => missing.wanted.section === 'server'))
    out.push(
      '',
      `[server] is for every client of this server${otherImages.length > 0 ? '' : ' (it has no other image)'}; --mac MAC[,MAC] puts these keys in the clients' own sections instead.`,
    );
  if (!ltspConfSetsBroker(merged))
    out.push(
      '',
      'No VDD_BROKER in ltsp.conf (an empty one counts as none): the launcher looks for the broker in DHCP option 224 or 43, then DNS-SD and DNS SRV (--broker URL sets it).',
    );
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

/** Whether PATH has an executable of this name, as spawn will look for it. */
function onPath(command: string): boolean {
  return (process.env.PATH ?? '')
    .split(delimiter)
    .filter((dir) => isAbsolute(dir))
    .some((dir) => {
      try {
        accessSync(join(dir, command), constants.X_OK);
        return true;
      } catch {
        return false;
      }
    });
}

/** Writes path in one rename (replaceFile), keeping the file it replaces as backup when asked. The
 * write is synchronous: a signal is handled only after it, so no temporary is ever left behind. */
function writeConfig(path: string, text: string, backup: string | undefined): void {
  mkdirSync(dirname(path), { recursive: true });
  if (backup !== undefined) copyFileSync(path, backup);
  replaceFile(path, text, { mode: 0o644 });
}

/** Runs an LTSP command with its output on standard error; fails with its exit status. */
function runLtsp(command: readonly string[], say: (line: string) => void, signal: AbortSignal): Promise<number> {
  const started = Date.now();
  say(`running ${command.join(' ')}`);
  return new Promise((resolve, reject) => {
    const child = spawn(command[0] ?? 'ltsp', command.slice(1), { stdio: ['ignore', process.stderr, process.stderr], signal });
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
