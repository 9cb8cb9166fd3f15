// The `vdd` metadata of a libvirt domain (docs/vdd-broker.md, "Guests described in libvirt"): the
// menu name, OS, session protocol (xdmcp with the address its display manager answers at), pool
// and reset policy, set by the admin with `virsh metadata`. Read from the element tree and checked
// with a schema; a bad value is an error that names the element.
import { z } from 'zod';
import { isHost } from '../../common/net/host.ts';
import { catalogLimits } from '../../common/protocol/broker-protocol.ts';
import { describeSchemaProblem } from '../../common/protocol/schema-problem.ts';
import { stripControls } from '../../common/text/terminal-safe.ts';
import { childrenNamed, type XmlElement } from './xml-tree.ts';

/** The metadata's namespace; its element is <guest> (any prefix, `vdd` by convention). */
export const vddNamespace = 'urn:vdd-thin:libvirt:1';

const text = (max: number) =>
  z
    .string()
    .max(max * 4)
    .transform(stripControls)
    .pipe(z.string().min(1).max(max));

const metadataSchema = z.strictObject({
  name: text(catalogLimits.maxNameLength).optional(),
  os: text(catalogLimits.maxOsLength).optional(),
  protocol: z.enum(['vnc', 'xdmcp']).optional(),
  xdmcp: z
    .strictObject({
      host: z.string().max(253).refine(isHost, 'must be a host name or an IP address'),
      port: z
        .string()
        .regex(/^\d{1,5}$/, 'must be a port number')
        .transform(Number)
        .pipe(z.number().int().min(1).max(65535))
        .optional(),
    })
    .optional(),
  pool: z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'must be 1-64 letters, digits, ".", "_" or "-"')
    .optional(),
  reset: z
    .strictObject({
      when: z.literal('after-session', { error: 'must be "after-session"' }),
      snapshot: z
        .string()
        .regex(/^[^\s/][^/]{0,127}$/, 'must be a snapshot name')
        .optional(),
    })
    .optional(),
});

export type VddMetadata = {
  readonly name?: string | undefined;
  readonly os?: string | undefined;
  readonly protocol?: 'vnc' | 'xdmcp' | undefined;
  readonly xdmcp?: { readonly host: string; readonly port: number } | undefined;
  readonly pool?: string | undefined;
  /** reset: after-session, to the snapshot named (or by a cold start, for transient disks). */
  readonly reset?: { readonly snapshot?: string | undefined } | undefined;
};

export class VddMetadataError extends Error {
  override readonly name = 'VddMetadataError';
}

const known = new Set(['name', 'os', 'protocol', 'xdmcp', 'pool', 'reset']);

/** The metadata of a domain's <metadata> element, undefined when it has none. */
export function readVddMetadata(metadata: XmlElement | undefined): VddMetadata | undefined {
  const guest = metadata === undefined ? undefined : childrenNamed(metadata, 'guest', vddNamespace);
  if (guest === undefined || guest.length === 0) return undefined;
  if (guest.length > 1) throw new VddMetadataError('more than one <guest> element');
  const element = guest[0] as XmlElement;
  const fields: Record<string, unknown> = {};
  // libvirt puts only the top element in the namespace (virsh metadata --set): children match by local name.
  for (const child of element.children) {
    if (!known.has(child.local)) throw new VddMetadataError(`unknown element <${child.local}>`);
    if (child.local in fields) throw new VddMetadataError(`<${child.local}> given twice`);
    fields[child.local] = child.local === 'xdmcp' || child.local === 'reset' ? Object.fromEntries(child.attributes) : child.text;
  }
  const parsed = metadataSchema.safeParse(fields);
  if (!parsed.success) throw new VddMetadataError(describeSchemaProblem(parsed.error));
  const { xdmcp, reset, ...rest } = parsed.data;
  if (rest.protocol === 'xdmcp' && xdmcp === undefined) throw new VddMetadataError('protocol xdmcp needs <xdmcp host="..."/>');
  return {
    ...rest,
    ...(xdmcp === undefined ? {} : { xdmcp: { host: xdmcp.host, port: xdmcp.port ?? 177 } }),
    ...(reset === undefined ? {} : { reset: { snapshot: reset.snapshot } }),
  };
}
