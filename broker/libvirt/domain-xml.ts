// What the broker needs from a libvirt domain's XML (virsh dumpxml --security-info): its UUID and
// name, title, libosinfo OS, the first VNC graphics (port, where it listens, whether it has a
// password) and the `vdd` metadata. The password itself is never kept. Bad XML or bad metadata is
// an error naming what is wrong; the caller lists the domain as unavailable with it.
import { childNamed, childrenNamed, parseXml, type XmlElement } from './xml-tree.ts';
import { readVddMetadata, VddMetadataError, type VddMetadata } from './vdd-metadata.ts';

const libosinfoNamespace = 'http://libosinfo.org/xmlns/libvirt/domain/1.0';

/**
 * Where a VNC console listens, as libvirt means it: an address (possibly every address or
 * loopback), known only once the domain runs (no listen given: qemu.conf's vnc_listen, 127.0.0.1 unless changed;
 * or a libvirt network's address; the running domain's XML shows it), or nowhere a thin client can reach (a UNIX socket,
 * type 'none').
 */
export type VncListen =
  | { readonly kind: 'address'; readonly address: string }
  | { readonly kind: 'at-start' }
  | { readonly kind: 'unreachable'; readonly why: string };

export type VncGraphics = {
  /** The port QEMU listens on, when libvirt says (a running domain, or a fixed port). */
  readonly port: number | undefined;
  readonly listen: VncListen;
  readonly hasPassword: boolean;
  /** A password without passwdValidTo: one the admin gave (the broker's always expire). */
  readonly hasOwnPassword: boolean;
  /** The element as libvirt wrote it, for update-device (with the password attributes removed). */
  readonly element: XmlElement;
};

export type DomainDescription = {
  readonly uuid: string;
  readonly name: string;
  readonly title: string | undefined;
  /** libosinfo's short id, e.g. "debian 12" from http://debian.org/debian/12. */
  readonly os: string | undefined;
  /** The domain's numeric id: present only while it runs. */
  readonly running: boolean;
  readonly vnc: VncGraphics | undefined;
  /** The vdd metadata, or what is wrong with it. */
  readonly metadata: VddMetadata | { readonly problem: string } | undefined;
};

export class DomainXmlError extends Error {
  override readonly name = 'DomainXmlError';
}

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export function readDomainXml(xml: string): DomainDescription {
  let domain: XmlElement;
  try {
    domain = parseXml(xml);
  } catch (error) {
    throw new DomainXmlError(`not well-formed XML: ${(error as Error).message}`, { cause: error });
  }
  if (domain.local !== 'domain' || domain.uri !== '') throw new DomainXmlError(`<${domain.name}> is not a <domain>`);
  const uuid = childNamed(domain, 'uuid')?.text.toLowerCase() ?? '';
  if (!uuidPattern.test(uuid)) throw new DomainXmlError('no valid <uuid>');
  const name = childNamed(domain, 'name')?.text ?? '';
  if (name === '' || name.length > 256) throw new DomainXmlError('no valid <name>');
  const title = childNamed(domain, 'title')?.text;
  const metadataElement = childNamed(domain, 'metadata');
  const osId =
    metadataElement &&
    childNamed(childNamed(metadataElement, 'libosinfo', libosinfoNamespace) ?? metadataElement, 'os', libosinfoNamespace)?.attributes.get('id');
  let metadata: DomainDescription['metadata'];
  try {
    metadata = readVddMetadata(metadataElement);
  } catch (error) {
    if (!(error instanceof VddMetadataError)) throw error;
    metadata = { problem: `vdd metadata: ${error.message}` };
  }
  const devices = childNamed(domain, 'devices');
  const graphics = devices && childrenNamed(devices, 'graphics').find((element) => element.attributes.get('type') === 'vnc');
  return {
    uuid,
    name,
    title: title === undefined || title === '' ? undefined : title.slice(0, 1024),
    os:
      osId
        ?.replace(/^https?:\/\/[^/]+\//, '')
        .replace(/\//g, ' ')
        .slice(0, 128) || undefined,
    running: /^\d+$/.test(domain.attributes.get('id') ?? '') && domain.attributes.get('id') !== '-1',
    vnc: graphics && readVncGraphics(graphics),
    metadata,
  };
}

function readVncGraphics(element: XmlElement): VncGraphics {
  const portText = element.attributes.get('port');
  const port = portText !== undefined && /^\d{1,5}$/.test(portText) && Number(portText) >= 1 && Number(portText) <= 65535 ? Number(portText) : undefined;
  const hasPassword = element.attributes.has('passwd');
  const hasOwnPassword = hasPassword && !element.attributes.has('passwdValidTo');
  const attributes = new Map(element.attributes);
  attributes.delete('passwd');
  attributes.delete('passwdValidTo');
  attributes.delete('connected');
  return { port, listen: readListen(element), hasPassword, hasOwnPassword, element: { ...element, attributes } };
}

function readListen(element: XmlElement): VncListen {
  const listens = childrenNamed(element, 'listen');
  const first = listens[0];
  if (first === undefined) {
    const address = element.attributes.get('listen');
    return address === undefined || address === '' ? { kind: 'at-start' } : { kind: 'address', address };
  }
  switch (first.attributes.get('type')) {
    case 'address':
    case 'network': {
      const address = first.attributes.get('address') ?? element.attributes.get('listen');
      return address === undefined || address === '' ? { kind: 'at-start' } : { kind: 'address', address };
    }
    case 'socket':
      return { kind: 'unreachable', why: 'its VNC console is a UNIX socket' };
    case 'none':
      return { kind: 'unreachable', why: 'its VNC console listens nowhere (listen type none)' };
    default:
      return { kind: 'unreachable', why: `its VNC console has a listen type the broker does not know (${first.attributes.get('type') ?? 'none given'})` };
  }
}
