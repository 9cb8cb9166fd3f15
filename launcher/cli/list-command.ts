// vdd-launcher list: the catalog of the broker in use with each guest's state; when no broker
// answers, the cached catalog marked offline; exit status 4 when there is neither.
import { brokerSettings } from '../broker-client/broker-settings.ts';
import { CatalogKeeper, describeFailure } from '../broker-client/catalog-keeper.ts';
import { findCatalog } from '../discovery/find-catalog.ts';
import { stripControls } from '../../common/text/terminal-safe.ts';
import type { CommandContext } from './command.ts';
import { exitCodes } from './exit-codes.ts';

export async function runList({ line, stdout, stderr, config, env }: CommandContext): Promise<number> {
  const loaded = config();
  const keeper = new CatalogKeeper(brokerSettings(loaded.config), (message) => stderr.write(`vdd-launcher: ${stripControls(message)}\n`));
  keeper.loadCache();
  const { state, via } = await findCatalog(keeper, loaded, env);
  if (state.catalog === undefined) {
    const reasons = state.failures.map((failure) => describeFailure(failure)).join('; ');
    stderr.write(
      `vdd-launcher list: no broker answered and no catalog is cached in ${loaded.config.cache_dir}${reasons ? ` (${stripControls(reasons)})` : ''}\n`,
    );
    return exitCodes.noBroker;
  }
  const savedAt = state.savedAt === undefined ? undefined : new Date(state.savedAt).toISOString();
  if (line.options.json) {
    stdout.write(
      `${JSON.stringify({ online: state.online, broker: state.broker ?? null, via: via ?? null, savedAt: savedAt ?? null, failures: state.failures, catalog: state.catalog }, null, 2)}\n`,
    );
    return exitCodes.ok;
  }
  const header = state.online
    ? `Broker: ${state.broker}${via ? ` (${via})` : ''}: ${state.catalog.broker.name}`
    : `OFFLINE: no broker answered; the catalog cached at ${savedAt} from ${state.broker} (states may be out of date)`;
  const rows = state.catalog.guests.map((guest) => [
    guest.id,
    guest.name,
    guest.os,
    guest.protocol,
    guest.host === undefined || guest.port === undefined
      ? 'at start'
      : guest.host.includes(':')
        ? `[${guest.host}]:${guest.port}`
        : `${guest.host}:${guest.port}`,
    state.online ? guest.state : `${guest.state}?`,
  ]);
  const titles = ['ID', 'NAME', 'OS', 'TYPE', 'ADDRESS', 'STATE'];
  const widths = titles.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column]?.length ?? 0)));
  const format = (row: readonly string[]) => row.map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd(widths[column] ?? 0))).join('  ');
  const lines = [stripControls(header), format(titles), ...rows.map(format)];
  if (!state.online) for (const failure of state.failures) lines.push(stripControls(`  ${describeFailure(failure)}`));
  stdout.write(`${lines.join('\n')}\n`);
  return exitCodes.ok;
}
