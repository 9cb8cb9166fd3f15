// vdd-launcher report: tells a refurbisher whether this PC is fit to be a thin client, as text or
// --json; --upload also sends it to the broker (found as the menu finds it, or --broker).
// Exit status 0 whatever the verdict (it is in the output), 1 when the hardware cannot be read or
// no broker accepts the report, 4 when --upload finds no broker.
import { defaultCmdlineFile } from '../config/load.ts';
import { discoverBrokers } from '../discovery/discovery-sources.ts';
import { collectReportFacts } from '../report/collect-report-facts.ts';
import { reportDocument } from '../report/report-document.ts';
import { reportText } from '../report/report-text.ts';
import { uploadReport } from '../report/report-upload.ts';
import { stripControls } from '../../common/text/terminal-safe.ts';
import type { CommandContext } from './command.ts';
import { exitCodes } from './exit-codes.ts';

export async function runReport({ line, stdout, stderr, config, env }: CommandContext): Promise<number> {
  let report: ReturnType<typeof reportDocument>;
  try {
    report = reportDocument(await collectReportFacts(line.options.cmdline ?? defaultCmdlineFile));
  } catch (error) {
    stderr.write(`vdd-launcher report: cannot read this PC's hardware: ${stripControls(error instanceof Error ? error.message : String(error))}\n`);
    return exitCodes.failure;
  }
  stdout.write(line.options.json ? `${JSON.stringify(report, null, 2)}\n` : reportText(report));
  if (!line.options.upload) return exitCodes.ok;

  const loaded = config();
  const discovery = await discoverBrokers(loaded, env);
  const brokers = discovery.brokers.map((broker) => broker.url);
  if (brokers.length === 0) {
    stderr.write('vdd-launcher report: not uploaded: no broker found (give one with --broker URL; `vdd-launcher discover` shows where it looked)\n');
    return exitCodes.noBroker;
  }
  try {
    const result = await uploadReport(report, brokers, loaded);
    if (result.broker === undefined) {
      stderr.write(`vdd-launcher report: not uploaded: ${stripControls(result.failures.join('; '))}\n`);
      return exitCodes.failure;
    }
    stderr.write(`vdd-launcher report: uploaded to ${stripControls(result.broker)}\n`);
    return exitCodes.ok;
  } catch (error) {
    stderr.write(`vdd-launcher report: not uploaded: ${stripControls(error instanceof Error ? error.message : String(error))}\n`);
    return exitCodes.failure;
  }
}
