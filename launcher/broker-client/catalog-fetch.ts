// GET /v1/catalog from one broker, with If-None-Match, bounded and validated: what comes back is a
// typed Catalog or a BrokerError naming the URL and why the catalog was rejected.
import { catalogLimits, catalogSchema, errorBodySchema, protocol, type Catalog } from '../../common/protocol/broker-protocol.ts';
import type { ClientCertificate } from './broker-settings.ts';
import { brokerResource } from './broker-url.ts';
import { BrokerError, sendRequest, type HttpAnswer } from './http-request.ts';
import { describeSchemaProblem } from '../../common/protocol/schema-problem.ts';

export type RequestOptions = { readonly timeoutMs: number; readonly caFile: string; readonly clientCertificate?: ClientCertificate | undefined };

export type CatalogAnswer =
  | { readonly kind: 'catalog'; readonly catalog: Catalog; readonly etag: string | undefined; readonly url: string }
  | { readonly kind: 'not-modified'; readonly url: string };

export async function fetchCatalog(broker: string, options: RequestOptions & { readonly etag?: string | undefined }): Promise<CatalogAnswer> {
  const url = brokerResource(broker, protocol.catalogPath);
  const answer = await sendRequest({
    url,
    method: 'GET',
    // This launcher reads protocol 1.2 catalogs (guests whose address comes at start, reasons, each guest's use).
    headers: { [protocol.minorHeader]: protocol.minorVersion, ...(options.etag === undefined ? {} : { 'if-none-match': options.etag }) },
    timeoutMs: options.timeoutMs,
    maxBytes: catalogLimits.maxBytes,
    caFile: options.caFile,
    clientCertificate: options.clientCertificate,
  });
  if (answer.status === 304 && options.etag !== undefined) return { kind: 'not-modified', url: url.href };
  if (answer.status !== 200) throw new BrokerError(url.href, describeHttpFailure(answer));
  const etag = typeof answer.headers.etag === 'string' && answer.headers.etag.length <= 256 ? answer.headers.etag : undefined;
  return { kind: 'catalog', catalog: parseCatalog(url.href, answer.body), etag, url: url.href };
}

/** Parses and validates a catalog document; the error names where it came from. */
export function parseCatalog(from: string, text: string): Catalog {
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (error) {
    throw new BrokerError(from, `catalog rejected: not JSON (${(error as Error).message})`, { cause: error });
  }
  const parsed = catalogSchema.safeParse(document);
  if (!parsed.success) throw new BrokerError(from, `catalog rejected: ${describeSchemaProblem(parsed.error)}`);
  return parsed.data;
}

/** "HTTP 404: no such guest" from a status and the protocol's error body, when there is one. */
export function describeHttpFailure(answer: HttpAnswer): string {
  let message = '';
  try {
    const body = errorBodySchema.safeParse(JSON.parse(answer.body));
    if (body.success) message = `: ${body.data.error.message} (${body.data.error.code})`;
  } catch {
    // Not the protocol's error body (a plain web server's page); the status says enough.
  }
  return `HTTP ${answer.status}${message}`;
}
