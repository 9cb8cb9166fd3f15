// POST /v1/clients/{mac}/report: the client's hardware inventory and session figures, checked
// against the protocol's schema before it leaves, so a broker never gets a malformed report.
import { bodyLimits, protocol, reportSchema, type ClientReport } from '../../common/protocol/broker-protocol.ts';
import { describeHttpFailure, type RequestOptions } from './catalog-fetch.ts';
import { brokerResource } from './broker-url.ts';
import { BrokerError, sendRequest } from './http-request.ts';
import { describeSchemaProblem } from '../../common/protocol/schema-problem.ts';

export async function sendReport(broker: string, report: ClientReport, options: RequestOptions): Promise<void> {
  // Checked before the MAC goes into the URL: encodeURIComponent throws on a lone surrogate.
  const checked = reportSchema.safeParse(report);
  if (!checked.success)
    throw new BrokerError(brokerResource(broker, protocol.reportPath('MAC')).href, `report not sent: ${describeSchemaProblem(checked.error)}`);
  const url = brokerResource(broker, protocol.reportPath(checked.data.client.mac));
  const body = JSON.stringify(checked.data);
  if (Buffer.byteLength(body) > bodyLimits.reportBytes) throw new BrokerError(url.href, `report not sent: larger than ${bodyLimits.reportBytes} bytes`);
  const answer = await sendRequest({
    url,
    method: 'POST',
    body,
    timeoutMs: options.timeoutMs,
    maxBytes: bodyLimits.errorBytes,
    caFile: options.caFile,
    clientCertificate: options.clientCertificate,
  });
  if (answer.status < 200 || answer.status > 299) throw new BrokerError(url.href, describeHttpFailure(answer));
}
