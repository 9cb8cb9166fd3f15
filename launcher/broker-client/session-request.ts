// POST /v1/guests/{id}/session: asks the broker to make a guest ready (start it if needed) and
// returns where to connect, with a one-time VNC password when the guest needs one. The password
// stays in memory: it is never logged, and errors never quote the answer's body. A static broker
// (a web server with only v1/catalog) has no session service: then the answer is undefined and
// the guest is used as the catalog lists it.
import { bodyLimits, errorBodySchema, protocol, sessionAnswerSchema, type ClientInfo, type SessionAnswer } from '../../common/protocol/broker-protocol.ts';
import { describeHttpFailure, type RequestOptions } from './catalog-fetch.ts';
import { brokerResource } from './broker-url.ts';
import { BrokerError, sendRequest } from './http-request.ts';
import { describeSchemaProblem } from '../../common/protocol/schema-problem.ts';

function isProtocolError(body: string): boolean {
  try {
    return errorBodySchema.safeParse(JSON.parse(body)).success;
  } catch {
    return false;
  }
}

export async function requestSession(broker: string, guestId: string, client: ClientInfo, options: RequestOptions): Promise<SessionAnswer | undefined> {
  const url = brokerResource(broker, protocol.sessionPath(guestId));
  const answer = await sendRequest({
    url,
    method: 'POST',
    body: JSON.stringify({ client }),
    timeoutMs: options.timeoutMs,
    maxBytes: bodyLimits.sessionAnswerBytes,
    caFile: options.caFile,
  });
  if ((answer.status === 404 || answer.status === 405) && !isProtocolError(answer.body)) return undefined;
  if (answer.status !== 200) throw new BrokerError(url.href, describeHttpFailure(answer));
  let document: unknown;
  try {
    document = JSON.parse(answer.body);
  } catch (error) {
    throw new BrokerError(url.href, 'session answer rejected: not JSON', { cause: error });
  }
  const parsed = sessionAnswerSchema.safeParse(document);
  if (!parsed.success) throw new BrokerError(url.href, `session answer rejected: ${describeSchemaProblem(parsed.error)}`);
  return parsed.data;
}
