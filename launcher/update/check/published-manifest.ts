// GET <update_url>current/manifest.json with If-None-Match, bounded (the manifest size limit, the
// broker_timeout deadline, TLS against broker_ca) and validated against the image's manifest
// schema: what comes back is the published version, "not modified", or an error naming the URL
// and why the manifest was rejected. The signature is the update agent's business, not this check's.
import { manifestSchema } from '../../../common/manifest/manifest.ts';
import type { RequestOptions } from '../../broker-client/catalog-fetch.ts';
import { describeHttpFailure } from '../../broker-client/catalog-fetch.ts';
import { BrokerError, sendRequest } from '../../broker-client/http-request.ts';
import { describeSchemaProblem } from '../../../common/protocol/schema-problem.ts';
import { manifestFileName, maxManifestBytes } from '../../../common/manifest/manifest-signature.ts';

export type PublishedManifest =
  | { readonly kind: 'manifest'; readonly name: string; readonly version: string; readonly etag: string | undefined; readonly url: string }
  | { readonly kind: 'not-modified'; readonly url: string };

/** Where the publish root announces its current version. */
export function currentManifestUrl(publishRoot: string): URL {
  const base = new URL(publishRoot);
  if (!base.pathname.endsWith('/')) base.pathname += '/';
  return new URL(`current/${manifestFileName}`, base);
}

export async function fetchPublishedManifest(
  publishRoot: string,
  options: RequestOptions & { readonly etag?: string | undefined },
): Promise<PublishedManifest> {
  const url = currentManifestUrl(publishRoot);
  const answer = await sendRequest({
    url,
    method: 'GET',
    headers: options.etag === undefined ? {} : { 'if-none-match': options.etag },
    timeoutMs: options.timeoutMs,
    maxBytes: maxManifestBytes,
    caFile: options.caFile,
  });
  if (answer.status === 304 && options.etag !== undefined) return { kind: 'not-modified', url: url.href };
  if (answer.status !== 200) throw new BrokerError(url.href, describeHttpFailure(answer));
  let document: unknown;
  try {
    document = JSON.parse(answer.body);
  } catch (error) {
    throw new BrokerError(url.href, `manifest rejected: not JSON (${(error as Error).message})`, { cause: error });
  }
  const parsed = manifestSchema.safeParse(document);
  if (!parsed.success) throw new BrokerError(url.href, `manifest rejected: ${describeSchemaProblem(parsed.error)}`);
  const etag = typeof answer.headers.etag === 'string' && answer.headers.etag.length <= 256 ? answer.headers.etag : undefined;
  return { kind: 'manifest', name: parsed.data.name, version: parsed.data.version, etag, url: url.href };
}
