// vdd-launcher discover: tries every discovery source (waiting for each until discovery_timeout)
// and prints what each found and how long it took; exit status 4 when nothing was found.
import { discoverBrokers } from '../discovery/discovery-sources.ts';
import { stripControls } from '../../common/text/terminal-safe.ts';
import type { CommandContext } from './command.ts';
import { exitCodes } from './exit-codes.ts';

export async function runDiscover({ line, stdout, config, env }: CommandContext): Promise<number> {
  const loaded = config();
  const discovery = await discoverBrokers(loaded, env, true);
  const status = discovery.brokers.length > 0 || discovery.xdmcpGuests.length > 0 ? exitCodes.ok : exitCodes.noBroker;
  if (line.options.json) {
    stdout.write(
      `${JSON.stringify({ chosen: discovery.chosen ?? null, brokers: discovery.brokers, xdmcpGuests: discovery.xdmcpGuests, ms: discovery.ms, sources: discovery.reports }, null, 2)}\n`,
    );
    return status;
  }
  const rows = discovery.reports.map(
    (report) => [report.label, report.status, report.status === 'off' ? '' : `${Math.round(report.ms)} ms`, stripControls(report.detail)] as const,
  );
  const widths = [0, 1, 2].map((column) => Math.max(...rows.map((row) => row[column]?.length ?? 0), ['SOURCE', 'RESULT', 'TIME'][column]?.length ?? 0));
  const pad = (row: readonly string[]) =>
    row
      .map((cell, column) => (column < 3 ? (column === 2 ? cell.padStart(widths[column] ?? 0) : cell.padEnd(widths[column] ?? 0)) : cell))
      .join('  ')
      .trimEnd();
  const lines = [pad(['SOURCE', 'RESULT', 'TIME', 'DETAIL']), ...rows.map(pad)];
  for (const report of discovery.reports)
    for (const broker of report.brokers) lines.push(`  ${report.label}: ${stripControls(broker.url)} (${stripControls(broker.via)})`);
  if (discovery.brokers.length > 0) lines.push(`Using: ${discovery.brokers.map((broker) => stripControls(broker.url)).join(', then ')}`);
  else if (discovery.xdmcpGuests.length > 0) lines.push(`No broker; ${discovery.xdmcpGuests.length} display managers answered the XDMCP broadcast.`);
  else lines.push('No broker found.');
  stdout.write(`${lines.join('\n')}\n`);
  return status;
}
