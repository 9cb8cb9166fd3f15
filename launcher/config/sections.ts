// Decides which INI sections apply to this client: [common] first, then every section whose name
// matches one of its MACs, IPs or its hostname, in file order (later wins).
import { globMatches } from '../../common/text/glob.ts';
import { commonSection, type IniSection } from '../../common/launcher-config/ini.ts';
import type { ClientIdentity } from './identity.ts';

export function sectionMatches(name: string, identity: ClientIdentity): boolean {
  if (name === commonSection) return true;
  // A MAC written with dashes matches too; globs keep their meaning.
  const macGlob = /^[0-9a-f*?[\]!-]+$/i.test(name) && name.includes('-') ? name.replaceAll('-', ':') : name;
  return identity.macs.some((mac) => globMatches(macGlob, mac)) || identity.ips.some((ip) => globMatches(name, ip)) || globMatches(name, identity.hostname);
}

export function applicableSections(sections: readonly IniSection[], identity: ClientIdentity): IniSection[] {
  const common = sections.filter((section) => section.name === commonSection);
  const specific = sections.filter((section) => section.name !== commonSection && sectionMatches(section.name, identity));
  return [...common, ...specific];
}
