// Builds the launcher's configuration from the command line, the environment and the files it names.
import { isIP } from 'node:net';
import { readIdentity, normaliseMac, type ClientIdentity } from '../config/identity.ts';
import { defaultCmdlineFile, defaultConfigFile, defaultDiskConfigFile, loadConfig, type LoadedConfig } from '../config/load.ts';
import type { Setting } from '../../common/launcher-config/source.ts';
import { defaultLtspConfPath } from '../../common/ltsp-conf/ltsp-conf.ts';
import { UsageError } from '../../common/cli/command-line.ts';
import type { ParsedOptions } from './options.ts';

export function loadConfigFromCommandLine(options: ParsedOptions, env: Readonly<Record<string, string | undefined>>): LoadedConfig {
  return loadConfig({
    configFiles: [
      { path: options.config ?? defaultConfigFile, required: options.config !== undefined },
      { path: options['disk-config'] ?? defaultDiskConfigFile, required: options['disk-config'] !== undefined },
    ],
    ltspConf: { path: options['ltsp-conf'] ?? defaultLtspConfPath, required: options['ltsp-conf'] !== undefined },
    cmdlineFile: options.cmdline ?? defaultCmdlineFile,
    env,
    flags: flagSettings(options),
    identity: identityFromOptions(options, readIdentity()),
  });
}

function flagSettings(options: ParsedOptions): Setting[] {
  const settings: Setting[] = [];
  if (options.broker) {
    settings.push({ key: 'broker', name: 'broker', value: options.broker.join(','), source: { kind: 'flag', flag: '--broker' } });
  }
  for (const assignment of options.set ?? []) {
    const equals = assignment.indexOf('=');
    if (equals < 1) throw new UsageError(`--set ${assignment}: expected KEY=VALUE`);
    const name = assignment.slice(0, equals).trim();
    settings.push({ key: name.toLowerCase(), name, value: assignment.slice(equals + 1), source: { kind: 'flag', flag: '--set' } });
  }
  return settings;
}

function identityFromOptions(options: ParsedOptions, actual: ClientIdentity): ClientIdentity {
  let macs = actual.macs;
  if (options.mac !== undefined) {
    const mac = normaliseMac(options.mac);
    if (mac === undefined) throw new UsageError(`--mac ${options.mac}: expected a MAC address like 00:11:22:33:44:55`);
    macs = [mac];
  }
  const badIp = options.ip?.find((ip) => isIP(ip) === 0);
  if (badIp !== undefined) throw new UsageError(`--ip ${badIp}: expected an IPv4 or IPv6 address`);
  return {
    macs,
    ips: options.ip ?? actual.ips,
    hostname: options.hostname?.toLowerCase() ?? actual.hostname,
  };
}
