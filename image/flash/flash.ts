// vdd-image flash: checks the site config and the target, writes the disk image, flushes it, reads
// it back to verify it, then puts vdd.conf (and this PC's client certificate, when given) into the
// FAT partition. Never asks questions: what it
// refuses, it refuses with one sentence.
import { existsSync, statSync } from 'node:fs';
import { runTool } from '../../common/process/run-tool.ts';
import { stripControls } from '../../common/text/terminal-safe.ts';
import type { ProgressOutput } from './byte-progress.ts';
import { megabytes } from './byte-progress.ts';
import { checkTargetDevice, FlashRefusal } from './check-device.ts';
import type { FlashTarget } from './flash-target.ts';
import { checkClientCertificate, type ClientCertificateFiles, writeClientCertificate } from './client-certificate.ts';
import { checkSiteConfig, configPartitionOffset, writeSiteConfig } from './site-config.ts';
import type { SourceImage } from './source-image.ts';
import { verifyImage } from './verify-image.ts';
import { writeImage } from './write-image.ts';

export type FlashOptions = {
  readonly image: SourceImage;
  readonly target: FlashTarget;
  readonly config: string | undefined;
  /** Written next to vdd.conf for brokers that ask for a client certificate; needs config. */
  readonly clientCertificate?: ClientCertificateFiles | undefined;
  readonly force: boolean;
  readonly output: ProgressOutput;
};

export type FlashReport = {
  readonly image: string;
  readonly target: string;
  readonly kind: FlashTarget['kind'];
  readonly bytes: number;
  readonly sha256: string;
  readonly verified: true;
  /** Whether the sha256 matched the one manifest.json records; null for an image without a manifest. */
  readonly matchesManifest: true | null;
  readonly config: string | null;
  readonly seconds: { readonly write: number; readonly flush: number; readonly verify: number };
  readonly writeMBps: number;
  readonly verifyMBps: number;
};

export async function flashImage(options: FlashOptions): Promise<FlashReport> {
  const { image, target, config, output } = options;
  if (config !== undefined) checkSiteConfig(config);
  if (options.clientCertificate !== undefined) checkClientCertificate(options.clientCertificate, config);
  const configOffset = config === undefined ? undefined : configPartitionOffset(image.path);
  const device = target.kind === 'device' ? checkTargetDevice(target.path, image.bytes, options.force) : undefined;
  if (target.kind === 'file') checkTargetFile(target.path, image.path);

  output.write(`flashing ${image.path} (${megabytes(image.bytes)}) to ${target.path}\n`);
  const written = await writeImage(image.path, target, output);
  if (image.manifestSha256 !== undefined && written.sha256 !== image.manifestSha256) {
    throw new Error(
      `${image.path} does not match its manifest.json (sha256 ${written.sha256}, the manifest says ${image.manifestSha256}): the image is damaged, and so is what was written to ${target.path}; rebuild or fetch the image again`,
    );
  }
  const verified = await verifyImage(image.path, target, output);
  if (config !== undefined && configOffset !== undefined) {
    writeSiteConfig(target.path, configOffset, config);
    output.write(`wrote ${config} to vdd.conf on ${target.path}\n`);
    if (options.clientCertificate !== undefined) {
      writeClientCertificate(target.path, configOffset, options.clientCertificate);
      output.write(`wrote the client certificate and key to client.pem and client.key on ${target.path}\n`);
    }
  }
  if (device !== undefined && device.partition === undefined) showNewPartitions(target.path, output);
  output.write(`${target.path} verified (sha256 ${written.sha256})\n`);
  const rate = (seconds: number) => Math.round((written.bytes / 1e6 / Math.max(seconds, 1e-6)) * 10) / 10;
  const round = (seconds: number) => Math.round(seconds * 1000) / 1000;
  return {
    image: image.path,
    target: target.path,
    kind: target.kind,
    bytes: written.bytes,
    sha256: written.sha256,
    verified: true,
    matchesManifest: image.manifestSha256 === undefined ? null : true,
    config: config ?? null,
    seconds: { write: round(written.writeSeconds), flush: round(written.syncSeconds), verify: round(verified.seconds) },
    writeMBps: rate(written.writeSeconds + written.syncSeconds),
    verifyMBps: rate(verified.seconds),
  };
}

/** The kernel keeps the disk's old partitions until told: without this, /dev/sdb1 could still be the old one. */
function showNewPartitions(path: string, output: ProgressOutput): void {
  try {
    runTool('partx', ['--update', path]);
  } catch (error) {
    output.write(
      `note: the kernel still lists the old partitions of ${path} (${stripControls((error as Error).message)}); unplug and plug it in again to see the new ones\n`,
    );
  }
}

function checkTargetFile(path: string, image: string): void {
  if (!existsSync(path)) return;
  const stat = statSync(path);
  if (stat.isBlockDevice()) throw new FlashRefusal(`${path} is a block device; use --device to flash it.`);
  if (!stat.isFile()) throw new FlashRefusal(`${path} is not a regular file.`);
  const source = statSync(image);
  if (stat.dev === source.dev && stat.ino === source.ino) throw new FlashRefusal(`${path} is the image itself.`);
}
