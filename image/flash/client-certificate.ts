// This PC's client certificate for brokers that ask for one (vdd-broker --client-ca): vdd-image
// flash --client-cert FILE --client-key FILE checks the pair (PEM, the key belongs to the
// certificate) and that the disk's vdd.conf points the launcher at them, before anything is
// written; then copies them onto the disk's FAT partition next to vdd.conf, where the initrd
// mounts it (/run/vdd/disk, read-only, readable by the launcher's user), and reads them back.
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { ReadError, readBoundedText } from '../../common/io/read-bounded.ts';
import { commonSection, iniLimits, parseIni } from '../../common/launcher-config/ini.ts';
import { runTool } from '../../common/process/run-tool.ts';

/** Where the flashed launcher reads them: the initrd mounts the FAT partition at /run/vdd/disk. */
export const clientCertificateOnDisk = { cert: '/run/vdd/disk/client.pem', key: '/run/vdd/disk/client.key' } as const;

export type ClientCertificateFiles = { readonly certFile: string; readonly keyFile: string };

const mtoolsEnv = { ...process.env, MTOOLS_SKIP_CHECK: '1' };
const maxPemBytes = 64 * 1024;

function readPem(path: string, option: string): string {
  try {
    return readBoundedText(path, maxPemBytes);
  } catch (error) {
    throw new Error(`${option} ${path}: ${error instanceof ReadError ? error.message : String(error)}`, { cause: error });
  }
}

/** Throws, naming the option, when the pair or the config is not right; nothing is written then. */
export function checkClientCertificate(files: ClientCertificateFiles, config: string | undefined): void {
  const certPem = readPem(files.certFile, '--client-cert');
  const keyPem = readPem(files.keyFile, '--client-key');
  let certificate: X509Certificate;
  try {
    certificate = new X509Certificate(certPem);
  } catch (error) {
    throw new Error(`--client-cert ${files.certFile}: not a PEM certificate (${(error as Error).message})`, { cause: error });
  }
  let matches: boolean;
  try {
    matches = certificate.checkPrivateKey(createPrivateKey(keyPem));
  } catch (error) {
    throw new Error(`--client-key ${files.keyFile}: not a PEM private key (${(error as Error).message})`, { cause: error });
  }
  if (!matches) throw new Error(`--client-key ${files.keyFile} is not the key of --client-cert ${files.certFile}`);
  const wanted = `broker_client_cert = ${clientCertificateOnDisk.cert}\nbroker_client_key = ${clientCertificateOnDisk.key}`;
  if (config === undefined) throw new Error(`--client-cert needs --config with, in its [common] section:\n${wanted}`);
  const common = parseIni(readBoundedText(config, iniLimits.maxBytes)).sections.filter((section) => section.name === commonSection);
  const value = (key: string) => common.flatMap((section) => section.entries).findLast((entry) => entry.key === key)?.value;
  if (value('broker_client_cert') !== clientCertificateOnDisk.cert || value('broker_client_key') !== clientCertificateOnDisk.key)
    throw new Error(`--config ${config} must point the launcher at the certificate on the disk; in its [common] section:\n${wanted}`);
}

export function writeClientCertificate(target: string, offset: number, files: ClientCertificateFiles): void {
  const fat = `${target}@@${offset}`;
  for (const [file, name] of [
    [files.certFile, 'client.pem'],
    [files.keyFile, 'client.key'],
  ] as const) {
    runTool('mcopy', ['-o', '-i', fat, file, `::/${name}`], { env: mtoolsEnv });
    if (runTool('mcopy', ['-i', fat, `::/${name}`, '-'], { env: mtoolsEnv }) !== readFileSync(file, 'utf8'))
      throw new Error(`${name} read back from ${target} differs from ${file}`);
  }
}
