// One-line help for every option, shared by vdd-launcher --help and the per-command help.
import { commonOptionDocs, type OptionDoc } from '../../common/cli/option-lines.ts';
import type { OptionName } from './options.ts';

export const optionDocs: Record<OptionName, OptionDoc> = {
  config: { argument: 'FILE', text: 'configuration file (default /etc/vdd/launcher.conf)' },
  'disk-config': { argument: 'FILE', text: "the flashed disk's config, above --config (default /run/vdd/disk/vdd.conf)" },
  'ltsp-conf': {
    argument: 'FILE',
    text: "LTSP's ltsp.conf, whose VDD_KEY = value lines (LTSP's sections) come above the config files (default /etc/ltsp/ltsp.conf)",
  },
  cmdline: { argument: 'FILE', text: 'read vdd.KEY=VALUE kernel parameters from FILE (default /proc/cmdline)' },
  broker: { argument: 'URL', text: 'use this broker instead of discovering one; repeat for failover' },
  set: { argument: 'KEY=VALUE', text: 'set a configuration key, above every other source; repeatable' },
  mac: { argument: 'MAC', text: 'match config sections as the client with this MAC would' },
  ip: { argument: 'IP', text: 'match config sections as a client with this address would; repeatable' },
  hostname: { argument: 'NAME', text: 'match config sections as the client with this hostname would' },
  explain: { text: 'show where every value comes from (file:line [section], kernel command line, environment, flag, default)' },
  check: { text: 'only report configuration problems; exit status 3 if there are any' },
  'dry-run': { text: 'print the session plan instead of starting it' },
  exec: { text: 'replace the launcher with the session (frees its memory)' },
  upload: { text: 'also send the report to the broker (POST /v1/clients/MAC/report)' },
  ...commonOptionDocs,
};
