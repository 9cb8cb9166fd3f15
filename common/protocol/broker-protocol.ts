// Broker protocol v1: every body the launcher and a broker exchange (catalog, session request and
// answer, client report, error), parsed and bounded at the edge. This is the one definition of
// the protocol's data; docs/broker-protocol.md describes it for people.
import { isIP } from 'node:net';
import { z } from 'zod';
import { isHost } from '../net/host.ts';
import { stripControls } from '../text/terminal-safe.ts';

export const catalogLimits = {
  maxGuests: 10_000,
  maxIdLength: 64,
  maxNameLength: 256,
  maxOsLength: 64,
  maxBytes: 8 * 1024 * 1024,
} as const;

/** Size limits of the other bodies; a peer refuses anything larger (HTTP 413 on a broker). */
export const bodyLimits = {
  sessionRequestBytes: 4 * 1024,
  sessionAnswerBytes: 4 * 1024,
  leaseRequestBytes: 1024,
  reportBytes: 64 * 1024,
  errorBytes: 4 * 1024,
  maxReportSessions: 100,
  maxHardwareEntries: 64,
} as const;

/** Shortest time between two reports of one PC: a broker refuses the second (429 too-many). */
export const minReportIntervalMs = 1000;

/** The protocol's version and where its resources live, relative to a broker's base URL. */
export const protocol = {
  version: 1,
  /**
   * Request header by which a client says which minor version of protocol 1 it reads (1.1: a
   * startable guest that is not running may come without host and port, and any guest may carry a
   * reason; 1.2: leases, below). Brokers send each client the form it reads; older clients get 1.0.
   */
  minorHeader: 'vdd-protocol',
  minorVersion: '1.2',
  catalogPath: 'v1/catalog',
  sessionPath: (guestId: string) => `v1/guests/${encodeURIComponent(guestId)}/session`,
  reportPath: (mac: string) => `v1/clients/${encodeURIComponent(mac)}/report`,
  leasePath: (leaseId: string, action: LeaseAction) => `v1/leases/${encodeURIComponent(leaseId)}/${action}`,
} as const;

/** The minor version a client named in its vdd-protocol header (0 when none, or not 1.N).
 * From 1.2 a broker adds `use` to the catalog's guests, a `lease` to session answers and who holds
 * a guest to in-use errors, which the strict bodies of older launchers would refuse. */
export function protocolMinor(header: string | string[] | undefined): number {
  const match = typeof header === 'string' ? /^1\.(\d{1,3})$/.exec(header.trim()) : null;
  return match ? Number(match[1]) : 0;
}

/** The first minor version with leases. */
export const leasesMinor = 2;

/** What a lease holder may do with its lease: keep it alive, keep it alive on an open connection (exec mode), end it. */
export const leaseActions = ['renew', 'hold', 'end'] as const;
export type LeaseAction = (typeof leaseActions)[number];

/** Bounds of the numbers a broker hands out with a lease. */
export const leaseLimits = { maxSeats: 100_000, maxRenewSeconds: 3600, maxGraceSeconds: 86_400 } as const;

const id = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'must be 1-64 letters, digits, ".", "_" or "-", starting with a letter or digit');
/** Free text shown to people: control characters and escape sequences removed here, at the edge. */
const displayText = (max: number) =>
  z
    .string()
    .max(max * 4)
    .transform(stripControls)
    .pipe(z.string().max(max));
const host = z.string().max(253).refine(isHost, 'must be a host name or an IP address');
const port = z.number().int().min(1).max(65535);
const time = z.iso.datetime({ offset: true });
const count = z.number().int().min(0).max(leaseLimits.maxSeats);

/** How a guest is used now, as the broker counts it: sessions, seats (absent: no limit), the
 * desktops of a pool, who holds a guest whose seats are all taken and since when, and when a
 * seat is expected to come free (when the broker can tell). */
export const guestUseSchema = z.strictObject({
  sessions: count,
  seats: count.min(1).optional(),
  desktops: count.min(1).optional(),
  by: displayText(253).optional(),
  since: time.optional(),
  freeAt: time.optional(),
});

export const guestStates = ['running', 'stopped', 'starting', 'unavailable'] as const;
export const sessionProtocols = ['xdmcp', 'vnc'] as const;

/** The fields of a guest; guestSchema adds the rule for guests without an address. */
export const guestFields = z.strictObject({
  id,
  name: displayText(catalogLimits.maxNameLength),
  os: displayText(catalogLimits.maxOsLength),
  protocol: z.enum(sessionProtocols),
  /** Absent only for a startable guest that is not running: the hypervisor gives the address at start (1.1). */
  host: host.optional(),
  port: port.optional(),
  display: z.number().int().min(0).max(65535).optional(),
  state: z.enum(guestStates),
  startable: z.boolean().optional(),
  auth: z.enum(['none', 'vnc-password']).optional(),
  /** How it is used now (clients that know leases). */
  use: guestUseSchema.optional(),
  /** Why the guest is in its state, e.g. why it is unavailable (1.1). */
  reason: displayText(256).optional(),
});

/** A guest without host or port must be one the broker starts (it has no address until then) and not be running. */
export function addressProblem(guest: {
  host?: string | undefined;
  port?: number | undefined;
  state: GuestState;
  startable?: boolean | undefined;
}): string | undefined {
  if (guest.host !== undefined && guest.port !== undefined) return undefined;
  if (guest.startable === true && guest.state !== 'running') return undefined;
  return 'host and port may be left out only for a startable guest that is not running';
}

export const guestSchema = guestFields.superRefine((guest, context) => {
  const problem = addressProblem(guest);
  if (problem) context.addIssue({ code: 'custom', path: [guest.host === undefined ? 'host' : 'port'], message: problem });
});

export const catalogSchema = z
  .strictObject({
    version: z.literal(1),
    broker: z.strictObject({ id, name: displayText(catalogLimits.maxNameLength) }),
    ttl: z.number().int().min(1).max(86_400),
    guests: z.array(guestSchema).max(catalogLimits.maxGuests),
  })
  .superRefine((catalog, context) => {
    const seen = new Set<string>();
    catalog.guests.forEach((guest, index) => {
      if (seen.has(guest.id)) context.addIssue({ code: 'custom', path: ['guests', index, 'id'], message: `duplicate guest id "${guest.id}"` });
      seen.add(guest.id);
    });
  });

const leaseId = z.string().regex(/^[A-Za-z0-9_-]{6,64}$/, 'must be 6-64 letters, digits, "_" or "-"');
const leaseToken = z.string().regex(/^[A-Za-z0-9_-]{16,128}$/, 'must be 16-128 letters, digits, "_" or "-"');

/** The session's lease: the holder keeps it alive (renew every renewSeconds, or hold) and ends it;
 * without either it ends graceSeconds after it was last seen. guest is the desktop given (a pool
 * member). The token is a secret of the holder, like the password. */
export const leaseSchema = z.strictObject({
  id: leaseId,
  token: leaseToken,
  guest: id,
  renewSeconds: z.number().int().min(1).max(leaseLimits.maxRenewSeconds),
  graceSeconds: z.number().int().min(1).max(leaseLimits.maxGraceSeconds),
});

export const sessionAnswerSchema = z.strictObject({
  state: z.enum(guestStates),
  host,
  port,
  password: z.string().min(1).max(256).optional(),
  expiresAt: time,
  lease: leaseSchema.optional(),
});

const mac = z.string().regex(/^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/, 'must be a MAC address like 52:54:00:12:34:56 (lower case)');
const ipAddress = z
  .string()
  .max(45)
  .refine((value) => isIP(value) !== 0, 'must be an IP address');
const shortText = (max: number) => z.string().max(max).transform(stripControls);

/** Who is asking: sent with session requests and reports. */
export const clientSchema = z.strictObject({
  mac,
  hostname: z
    .string()
    .max(253)
    .refine((value) => value === '' || isHost(value), 'must be a host name')
    .optional(),
  ips: z.array(ipAddress).max(16).optional(),
});

export const sessionRequestSchema = z.strictObject({ client: clientSchema });

/** Body of POST /v1/leases/{id}/renew, /hold and /end. guest (the desktop) and client let a
 * broker that restarted without the lease take it back when the seat is still free. */
export const leaseRequestSchema = z.strictObject({
  token: leaseToken,
  guest: id.optional(),
  client: clientSchema.optional(),
});

/** Where a PC stands with image updates: `available` (netboot: a newer version boots next time),
 * `downloading`, `installed` (flashed: starts on the next restart), `on-trial` (the first start of
 * an update), `rolled-back` (the last update never reached the menu), `failed` (it could not be
 * installed). `version` is the version offered, installed or rolled back from. */
export const updateStates = ['current', 'available', 'downloading', 'installed', 'on-trial', 'rolled-back', 'failed'] as const;
export const fitnessVerdicts = ['fit', 'fit-with-limits', 'unfit'] as const;
export const sessionOutcomes = ['ended', 'failed', 'dropped'] as const;

/** Slowest Enter -> first remote frame a report may carry (10 min); longer is a measuring fault. */
export const maxFirstFrameMs = 600_000;

export const reportSessionSchema = z.strictObject({
  guestId: id,
  protocol: z.enum(sessionProtocols),
  startedAt: time,
  seconds: z
    .number()
    .min(0)
    .max(31 * 86_400),
  outcome: z.enum(sessionOutcomes),
  reason: shortText(256).optional(),
  rttMs: z.number().min(0).max(60_000).optional(),
  /** Enter in the menu -> the first frame of the remote desktop on screen. */
  firstFrameMs: z.number().min(0).max(maxFirstFrameMs).optional(),
});

export const reportSchema = z.strictObject({
  client: clientSchema,
  launcherVersion: shortText(64).optional(),
  /** When the client sent it, by its own clock: the broker corrects session times by the difference. */
  sentAt: time.optional(),
  /** The image this PC runs (its image version file: "NAME VERSION"). */
  image: z.strictObject({ name: shortText(64).optional(), version: shortText(64) }).optional(),
  update: z
    .strictObject({
      state: z.enum(updateStates),
      version: shortText(64).optional(),
      reason: shortText(256).optional(),
      percent: z.number().int().min(0).max(100).optional(),
    })
    .optional(),
  /** The refurbisher's verdict on this PC (vdd-launcher report). */
  fitness: z.enum(fitnessVerdicts).optional(),
  /** Hardware inventory as flat name -> value pairs (cpu, ramMb, gpu, nic, ...). */
  hardware: z
    .record(z.string().regex(/^[A-Za-z][A-Za-z0-9_.-]{0,63}$/), z.union([shortText(256), z.number(), z.boolean()]))
    .refine((record) => Object.keys(record).length <= bodyLimits.maxHardwareEntries, `at most ${bodyLimits.maxHardwareEntries} hardware entries`)
    .optional(),
  /** Sessions since the last report (the launcher sends each once). */
  sessions: z.array(reportSessionSchema).max(bodyLimits.maxReportSessions).optional(),
});

export const errorCodes = [
  'bad-request',
  'unauthorized',
  'forbidden',
  'not-found',
  'not-startable',
  'in-use',
  'timeout',
  'too-large',
  'too-many',
  'unavailable',
  'internal',
] as const;

/** Every non-2xx answer of a broker carries this body; in-use answers say who holds the guest and
 * since when, and when a seat is expected to come free, when the broker can tell. */
export const errorBodySchema = z.strictObject({
  error: z.strictObject({
    code: z.enum(errorCodes),
    message: shortText(512),
    by: displayText(253).optional(),
    since: time.optional(),
    freeAt: time.optional(),
  }),
});

export type Guest = z.infer<typeof guestSchema>;
/** A guest with its address: running, or from a broker that always gives one. */
export type AddressedGuest = Guest & { readonly host: string; readonly port: number };
export type Catalog = z.infer<typeof catalogSchema>;
export type SessionAnswer = z.infer<typeof sessionAnswerSchema>;
export type Lease = z.infer<typeof leaseSchema>;
export type LeaseRequest = z.infer<typeof leaseRequestSchema>;
export type GuestUse = z.infer<typeof guestUseSchema>;
export type ClientInfo = z.infer<typeof clientSchema>;
export type SessionRequest = z.infer<typeof sessionRequestSchema>;
export type ClientReport = z.infer<typeof reportSchema>;
export type ReportSession = z.infer<typeof reportSessionSchema>;
export type UpdateState = (typeof updateStates)[number];
export type FitnessVerdict = (typeof fitnessVerdicts)[number];
export type ErrorCode = (typeof errorCodes)[number];
export type ErrorBody = z.infer<typeof errorBodySchema>;
export type GuestState = (typeof guestStates)[number];
export type SessionProtocol = Guest['protocol'];

/** Field checks the broker's own files reuse (the lease file). */
export { id as guestIdSchema, leaseId as leaseIdSchema, mac as macSchema };
