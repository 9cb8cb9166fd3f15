// Broker protocol v1: the catalog and session answers, parsed and bounded at the edge. This is
// the one definition of the protocol's data; docs/broker-protocol.md describes it for people.
import { z } from 'zod';
import { isHost } from '../net/host.ts';
import { stripControls } from '../text/terminal-safe.ts';

export const catalogLimits = {
  maxGuests: 10_000,
  maxIdLength: 64,
  maxNameLength: 128,
  maxOsLength: 64,
  maxBytes: 8 * 1024 * 1024,
} as const;

const id = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'must be 1-64 letters, digits, ".", "_" or "-", starting with a letter or digit');
/** Free text shown to people: control characters and escape sequences removed here, at the edge. */
const displayText = (max: number) => z.string().max(max * 4).transform(stripControls).pipe(z.string().max(max));
const host = z.string().max(253).refine(isHost, 'must be a host name or an IP address');
const port = z.number().int().min(1).max(65535);

export const guestStates = ['running', 'stopped', 'starting', 'unavailable'] as const;
export const sessionProtocols = ['xdmcp', 'vnc'] as const;

export const guestSchema = z.strictObject({
  id,
  name: displayText(catalogLimits.maxNameLength),
  os: displayText(catalogLimits.maxOsLength),
  protocol: z.enum(sessionProtocols),
  host,
  port,
  display: z.number().int().min(0).max(65535).optional(),
  state: z.enum(guestStates),
  startable: z.boolean().optional(),
  auth: z.enum(['none', 'vnc-password']).optional(),
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

export const sessionAnswerSchema = z.strictObject({
  state: z.enum(guestStates),
  host,
  port,
  password: z.string().min(1).max(256).optional(),
  expiresAt: z.iso.datetime({ offset: true }),
});

export type Guest = z.infer<typeof guestSchema>;
export type Catalog = z.infer<typeof catalogSchema>;
export type SessionAnswer = z.infer<typeof sessionAnswerSchema>;
export type GuestState = Guest['state'];
export type SessionProtocol = Guest['protocol'];
