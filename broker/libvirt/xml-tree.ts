// XML from libvirt (domain descriptions and their metadata) read into a small element tree with a
// strict, namespace-aware parser (saxes), bounded in size, depth and element count; and written
// back (one element, for virsh update-device) with every value escaped.
import { SaxesParser, type SaxesTagNS } from 'saxes';

export const xmlLimits = { maxBytes: 1024 * 1024, maxDepth: 48, maxElements: 20_000 } as const;

export type XmlElement = {
  /** As written, prefix included. */
  readonly name: string;
  readonly local: string;
  /** Namespace URI; '' for none. */
  readonly uri: string;
  /** By name as written (prefix included). */
  readonly attributes: ReadonlyMap<string, string>;
  readonly children: readonly XmlElement[];
  /** The element's own text (not its children's), trimmed. */
  readonly text: string;
};

export class XmlError extends Error {
  override readonly name = 'XmlError';
}

type Building = { name: string; local: string; uri: string; attributes: Map<string, string>; children: Building[]; text: string };

/** Parses one document; throws XmlError (with where the problem is) when it is not well-formed or too large. */
export function parseXml(text: string): XmlElement {
  if (text.length > xmlLimits.maxBytes) throw new XmlError(`XML larger than ${xmlLimits.maxBytes} bytes`);
  const parser = new SaxesParser({ xmlns: true, position: true });
  const stack: Building[] = [];
  let root: Building | undefined;
  let elements = 0;
  let failure: Error | undefined;
  parser.on('error', (error) => {
    failure ??= error;
  });
  parser.on('opentag', (tag: SaxesTagNS) => {
    if (++elements > xmlLimits.maxElements) throw new XmlError(`more than ${xmlLimits.maxElements} elements`);
    if (stack.length >= xmlLimits.maxDepth) throw new XmlError(`nested deeper than ${xmlLimits.maxDepth} elements`);
    const attributes = new Map<string, string>();
    for (const [name, attribute] of Object.entries(tag.attributes)) attributes.set(name, attribute.value);
    const element: Building = { name: tag.name, local: tag.local, uri: tag.uri, attributes, children: [], text: '' };
    const parent = stack.at(-1);
    if (parent) parent.children.push(element);
    else root = element;
    stack.push(element);
  });
  parser.on('text', (chunk) => {
    const current = stack.at(-1);
    if (current) current.text += chunk;
  });
  parser.on('cdata', (chunk) => {
    const current = stack.at(-1);
    if (current) current.text += chunk;
  });
  parser.on('closetag', () => {
    const element = stack.pop();
    if (element) element.text = element.text.trim();
  });
  try {
    parser.write(text).close();
  } catch (error) {
    if (error instanceof XmlError) throw error;
    failure ??= error as Error;
  }
  if (failure) throw new XmlError(failure.message.replace(/^undefined:/, 'line '));
  if (root === undefined) throw new XmlError('no element');
  return root;
}

export function childrenNamed(element: XmlElement, local: string, uri = ''): XmlElement[] {
  return element.children.filter((child) => child.local === local && child.uri === uri);
}

export function childNamed(element: XmlElement, local: string, uri = ''): XmlElement | undefined {
  return element.children.find((child) => child.local === local && child.uri === uri);
}

const escapes: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;', '\n': '&#10;', '\r': '&#13;', '\t': '&#9;' };

export function escapeXml(text: string): string {
  return text.replace(/[&<>"'\n\r\t]/g, (character) => escapes[character] ?? character);
}

/** The element as XML, with attributes replaced or added from overrides (namespace declarations are kept as attributes). */
export function serializeElement(element: XmlElement, overrides: Readonly<Record<string, string>> = {}): string {
  const attributes = new Map(element.attributes);
  for (const [name, value] of Object.entries(overrides)) attributes.set(name, value);
  const head = `<${element.name}${[...attributes].map(([name, value]) => ` ${name}="${escapeXml(value)}"`).join('')}`;
  if (element.children.length === 0 && element.text === '') return `${head}/>`;
  return `${head}>${escapeXml(element.text)}${element.children.map((child) => serializeElement(child)).join('')}</${element.name}>`;
}
