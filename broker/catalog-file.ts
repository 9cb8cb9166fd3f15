// The broker's catalog file: a JSON document in the protocol's own catalog shape, where each guest
// may also carry broker-only settings (passwordFile, qmpSocket, seats, pool) and may leave state
// out (the probes fill it). Parsed with the protocol's schema, so a file the broker accepts always
// serves a valid catalog.
import { z } from 'zod';
import { ReadError, readBoundedText } from '../common/io/read-bounded.ts';
import { catalogLimits, catalogSchema, guestFields, leaseLimits, type AddressedGuest, type Catalog, type Guest } from '../common/protocol/broker-protocol.ts';
import { describeSchemaProblem } from '../common/protocol/schema-problem.ts';
import { stripControls } from '../common/text/terminal-safe.ts';

/** Broker-only settings of a guest; never served to clients. */
export type GuestBackend = {
  /** TigerVNC password file (Xvnc -rfbauth) the broker rewrites with a one-time password per session. */
  readonly passwordFile?: string | undefined;
  /** QEMU's QMP socket (-qmp unix:PATH,server): one-time passwords on QEMU's own VNC console. */
  readonly qmpSocket?: string | undefined;
  /** Sessions at once; absent: 1 for vnc, no limit for xdmcp (each login its own session). */
  readonly seats?: number | undefined;
  /** The menu entry this guest is one desktop of: PCs choosing the pool get a free one. */
  readonly pool?: string | undefined;
};

export type BrokerGuest = { readonly guest: Guest; readonly backend: GuestBackend };
/** A guest of the file: always with its address. */
export type FileGuest = { readonly guest: AddressedGuest; readonly backend: GuestBackend };
export type CatalogFile = { readonly catalog: Omit<Catalog, 'guests'>; readonly guests: readonly FileGuest[] };

const absolutePath = z.string().max(4096).startsWith('/', 'must be an absolute path');

// A guest of the file always has its address: only a hypervisor backend lists guests without one.
// Its use is the broker's to count, never the file's.
const fileGuestSchema = guestFields.omit({ use: true }).extend({
  host: guestFields.shape.host.unwrap(),
  port: guestFields.shape.port.unwrap(),
  state: guestFields.shape.state.optional(),
  passwordFile: absolutePath.optional(),
  qmpSocket: absolutePath.optional(),
  seats: z.number().int().min(1).max(leaseLimits.maxSeats).optional(),
  pool: guestFields.shape.id.optional(),
});

const fileSchema = z.strictObject({ ...catalogSchema.shape, guests: z.array(fileGuestSchema).max(catalogLimits.maxGuests) }).superRefine((catalog, context) => {
  const seen = new Set<string>();
  const issue = (index: number, key: string, message: string) => context.addIssue({ code: 'custom', path: ['guests', index, key], message });
  catalog.guests.forEach((guest, index) => {
    if (seen.has(guest.id)) issue(index, 'id', `duplicate guest id "${guest.id}"`);
    seen.add(guest.id);
    for (const key of ['passwordFile', 'qmpSocket'] as const)
      if (guest[key] !== undefined && guest.auth !== 'vnc-password') issue(index, key, 'only for guests with "auth": "vnc-password"');
    if (guest.passwordFile !== undefined && guest.qmpSocket !== undefined) issue(index, 'qmpSocket', 'a guest has either a passwordFile or a qmpSocket');
    // One console, one password at a time: a second viewer would need the first one's ticket.
    if (guest.auth === 'vnc-password' && (guest.seats ?? 1) > 1) issue(index, 'seats', 'a guest with one-time VNC passwords takes one session at a time');
  });
  const pools = new Map<string, (typeof catalog.guests)[number]>();
  catalog.guests.forEach((guest, index) => {
    if (guest.pool === undefined) return;
    if (seen.has(guest.pool)) issue(index, 'pool', `"${guest.pool}" is also a guest id; a pool needs a name of its own`);
    const first = pools.get(guest.pool);
    if (first === undefined) pools.set(guest.pool, guest);
    else if (first.protocol !== guest.protocol) issue(index, 'pool', `the desktops of pool "${guest.pool}" must all use ${first.protocol}`);
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
    guests: guests.map(({ passwordFile, qmpSocket, seats, pool, state, ...guest }) => ({
      guest: { ...guest, state: state ?? 'unavailable' },
      backend: { passwordFile, qmpSocket, seats, pool },
    })),
  };
}
