// The info screen (I): who this PC is, which broker it uses and how it was found, versions.
// Reads config key image_version_file (written by the image build).
import { formatProblem } from '../../common/launcher-config/source.ts';
import type { LoadedConfig } from '../config/load.ts';
import { stripControls } from '../../common/text/terminal-safe.ts';
import { readRunningImage } from '../update/check/running-image.ts';
import { version } from '../../common/version.ts';
import { primaryLink, type HardwareFacts } from '../profile/hardware-facts.ts';
import { hardwareFitness } from '../report/fitness-verdict.ts';
import type { CatalogFeed } from './ports.ts';

/** One line: CPU, x86-64 level, RAM, the network link. */
export function hardwareSummary(facts: HardwareFacts): string {
  const { cpu } = facts;
  const speed = cpu.speedMHz === undefined ? '' : ` ${cpu.speedMHz} MHz`;
  const level = cpu.x86_64Level === 0 ? '32-bit' : `x86-64-v${cpu.x86_64Level}`;
  const link = primaryLink(facts);
  const network = link ? `; ${link.name} ${link.speedMbps === undefined ? 'up' : `${link.speedMbps} Mbit/s`}` : '; no network link';
  return `${cpu.model}${speed}, ${cpu.cores} core(s), ${level}; ${Math.round(facts.memory.totalBytes / 2 ** 20)} MB RAM${network}`;
}

/** update: how the checks for a newly published image went (update-watch's status line). */
export function infoLines(loaded: LoadedConfig, feed: CatalogFeed, hardware: HardwareFacts | string, update: string): string[] {
  const { identity, problems } = loaded;
  const rows: [string, string][] = [
    ['Name', identity.hostname],
    ['IP address', identity.ips.join(', ') || 'none'],
    ['MAC address', identity.macs.join(', ') || 'none'],
    ['Broker', feed.describeBroker() ?? 'not found yet'],
    ['Hardware', typeof hardware === 'string' ? hardware : hardwareSummary(hardware)],
    ['Fitness', typeof hardware === 'string' ? 'not known yet' : fitnessLine(hardware)],
    ['Launcher', `vdd-launcher ${version} (node ${process.versions.node})`],
    ['Image', imageLine(loaded.config.image_version_file)],
    ['Updates', update],
    ['Settings', problems.length === 0 ? 'valid' : `${problems.length} problem(s), first: ${formatProblem(problems[0]!)}`],
  ];
  return ['About this computer', '', ...rows.map(([label, value]) => `${`${label}:`.padEnd(14)}${value}`)].map(stripControls);
}

/** The refurbisher's verdict at a glance (the PC has no shell for `vdd-launcher report`): the worst reason leads. */
export function fitnessLine(facts: HardwareFacts): string {
  const { verdict, findings } = hardwareFitness(facts);
  const reasons = findings.filter((finding) => finding.level !== 'note').map((finding) => finding.text);
  return [verdict.replaceAll('-', ' '), ...reasons].join('; ');
}

function imageLine(file: string): string {
  const image = readRunningImage(file);
  return image.line ?? image.problem;
}
