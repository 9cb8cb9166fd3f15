// POST /v1/guests/{id}/session: asks the broker to make a guest ready (start it if needed) and
// returns where to connect, with a one-time VNC password when the guest needs one and the lease
// that makes the desktop this PC's. The password and the lease token stay in memory: never
// logged, and errors never quote the answer's body. A broker that says no (the guest is in use,
// this PC is not allowed...) throws BrokerRefusal with its reason. A static broker (a web server
// with only v1/catalog) has no session service: then the answer is undefined and the guest is
// used as the catalog lists it.
import {
  bodyLimits,
  type ErrorBody,
  errorBodySchema,
  protocol,
  sessionAnswerSchema,
  type ClientInfo,
  type SessionAnswer,
} from '../../common/protocol/broker-protocol.ts';
import { describeHttpFailure, type RequestOptions } from './catalog-fetch.ts';
import { brokerResource } from './broker-url.ts';
import { BrokerError, sendRequest } from './http-request.ts';
import { describeSchemaProblem } from '../../common/protocol/schema-problem.ts';

/** The broker answered and said no; its error body says why (who holds the guest, for in-use). */
export class BrokerRefusal extends BrokerError {
  readonly status: number;
  readonly error: ErrorBody['error'];
  constructor(url: string, status: number, error: ErrorBody['error']) {
    super(url, `HTTP ${status}: ${error.message} (${error.code})`);
    this.status = status;
    this.error = error;
  }
}

function protocolError(body: string): ErrorBody['error'] | undefined {
  try {
    const parsed = errorBodySchema.safeParse(JSON.parse(body));
    return parsed.success ? parsed.data.error : undefined;
  } catch {
    return undefined;
  }
}

export async function requestSession(broker: string, guestId: string, client: ClientInfo, options: RequestOptions): Promise<SessionAnswer | undefined> {
  const url = brokerResource(broker, protocol.sessionPath(guestId));
  const answer = await sendRequest({
    url,
    method: 'POST',
    headers: { [protocol.minorHeader]: protocol.minorVersion },
    body: JSON.stringify({ client }),
    timeoutMs: options.timeoutMs,
    maxBytes: bodyLimits.sessionAnswerBytes,
    caFile: options.caFile,
    clientCertificate: options.clientCertificate,
  });
  const refusal = answer.status === 200 ? undefined : protocolError(answer.body);
  if ((answer.status === 404 || answer.status === 405) && refusal === undefined) return undefined;
  if (refusal !== undefined) throw new BrokerRefusal(url.href, answer.status, refusal);
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
