// The last good catalog, kept in cache_dir/catalog.json so the menu can show it before any broker
// answers and when none does. Written atomically (temporary file + rename); a damaged file is
// ignored with a message, never trusted.
import { replaceFile } from '../../common/io/replace-file.ts';
import { join } from 'node:path';
import { z } from 'zod';
import { ReadError, readBoundedText } from '../../common/io/read-bounded.ts';
import { stripControls } from '../../common/text/terminal-safe.ts';
import { catalogLimits, catalogSchema, type Catalog } from '../../common/protocol/broker-protocol.ts';
import { describeSchemaProblem } from '../../common/protocol/schema-problem.ts';
import { makeDirectory } from '../../common/io/make-directory.ts';

export type CachedCatalog = {
  readonly catalog: Catalog;
  /** Base URL of the broker that served it. */
  readonly broker: string;
  readonly etag?: string | undefined;
  /** When it was fetched (ms since the epoch). */
  readonly savedAt: number;
};

const cacheFileSchema = z.strictObject({
  format: z.literal('vdd-catalog-cache-1'),
  broker: z.string().max(2048),
  etag: z.string().max(256).optional(),
  savedAt: z.number().int().min(0),
  catalog: catalogSchema,
});

export function catalogCachePath(cacheDir: string): string {
  return join(cacheDir, 'catalog.json');
}

/** The cached catalog, nothing when there is none, or a problem to show when the file is damaged. */
export function readCatalogCache(cacheDir: string): { readonly cached?: CachedCatalog; readonly problem?: string } {
  const path = catalogCachePath(cacheDir);
  let text: string;
  try {
    text = readBoundedText(path, catalogLimits.maxBytes + 4096);
  } catch (error) {
    if (error instanceof ReadError && error.code === 'ENOENT') return {};
    return ignoring(path, error instanceof Error ? error.message : String(error));
  }
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (error) {
    return ignoring(path, `not JSON (${(error as Error).message})`);
  }
  const parsed = cacheFileSchema.safeParse(document);
  if (!parsed.success) return ignoring(path, describeSchemaProblem(parsed.error));
  const { catalog, broker, etag, savedAt } = parsed.data;
  return { cached: { catalog, broker, etag, savedAt } };
}

/** The problem to show; JSON.parse quotes the file's text, so it is made terminal-safe. */
function ignoring(path: string, why: string): { readonly problem: string } {
  return { problem: stripControls(`ignoring the cached catalog ${path}: ${why}`) };
}

/** Replaces the cache in one rename, so a reader never sees half a file; throws when the directory cannot be written. */
export function writeCatalogCache(cacheDir: string, entry: CachedCatalog): void {
  const path = catalogCachePath(cacheDir);
  makeDirectory(cacheDir);
  const document = {
    format: 'vdd-catalog-cache-1',
    broker: entry.broker,
    ...(entry.etag === undefined ? {} : { etag: entry.etag }),
    savedAt: entry.savedAt,
    catalog: entry.catalog,
  };
  replaceFile(path, JSON.stringify(document), { mode: 0o644 });
}
