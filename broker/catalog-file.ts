// The broker's catalog file: a JSON document in the protocol's own catalog shape, where each guest
// may also carry broker-only settings (passwordFile) and may leave state out (the probes fill it).
// Parsed with the protocol's schema, so a file the broker accepts always serves a valid catalog.
import { z } from 'zod';
import { ReadError, readBoundedText } from '../common/io/read-bounded.ts';
import { catalogLimits, catalogSchema, guestFields, type AddressedGuest, type Catalog, type Guest } from '../common/protocol/broker-protocol.ts';
import { describeSchemaProblem } from '../common/protocol/schema-problem.ts';
import { stripControls } from '../common/text/terminal-safe.ts';

/** Broker-only settings of a guest; never served to clients. */
export type GuestBackend = {
  /** TigerVNC password file (Xvnc -rfbauth) the broker rewrites with a one-time password per session. */
  readonly passwordFile?: string | undefined;
};

export type BrokerGuest = { readonly guest: Guest; readonly backend: GuestBackend };
/** A guest of the file: always with its address. */
export type FileGuest = { readonly guest: AddressedGuest; readonly backend: GuestBackend };
export type CatalogFile = { readonly catalog: Omit<Catalog, 'guests'>; readonly guests: readonly FileGuest[] };

// A guest of the file always has its address: only a hypervisor backend lists guests without one.
const fileGuestSchema = guestFields.extend({
  host: guestFields.shape.host.unwrap(),
  port: guestFields.shape.port.unwrap(),
  state: guestFields.shape.state.optional(),
  passwordFile: z.string().max(4096).startsWith('/', 'must be an absolute path').optional(),
});

const fileSchema = z.strictObject({ ...catalogSchema.shape, guests: z.array(fileGuestSchema).max(catalogLimits.maxGuests) }).superRefine((catalog, context) => {
  const seen = new Set<string>();
  catalog.guests.forEach((guest, index) => {
    if (seen.has(guest.id)) context.addIssue({ code: 'custom', path: ['guests', index, 'id'], message: `duplicate guest id "${guest.id}"` });
    seen.add(guest.id);
    if (guest.passwordFile !== undefined && guest.auth !== 'vnc-password')
      context.addIssue({ code: 'custom', path: ['guests', index, 'passwordFile'], message: 'only for guests with "auth": "vnc-password"' });
  });
});

/** What is wrong with the file, terminal-safe: JSON.parse quotes the file's text. */
export class CatalogFileError extends Error {
  override readonly name = 'CatalogFileError';
  constructor(message: string, options?: ErrorOptions) {
    super(stripControls(message), options);
  }
}

export function readCatalogFile(path: string): CatalogFile {
  let text: string;
  try {
    text = readBoundedText(path, catalogLimits.maxBytes);
  } catch (error) {
    throw new CatalogFileError(`${path}: ${error instanceof ReadError ? error.message : String(error)}`, { cause: error });
  }
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (error) {
    throw new CatalogFileError(`${path}: not JSON (${(error as Error).message})`, { cause: error });
  }
  const parsed = fileSchema.safeParse(document);
  if (!parsed.success) throw new CatalogFileError(`${path}: ${describeSchemaProblem(parsed.error)}`);
  const { guests, ...catalog } = parsed.data;
  return {
    catalog,
    guests: guests.map(({ passwordFile, state, ...guest }) => ({ guest: { ...guest, state: state ?? 'unavailable' }, backend: { passwordFile } })),
  };
}
