// Starts the menu's update checks as the config says: where (update_url, else the publish root
// this PC netbooted from, read from the kernel command line), against which running version
// (image_version_file), how often (update_check_interval), with the broker client's TLS and
// timeout (broker_ca, broker_timeout). Says in the log why checks are off when they are.
import { brokerSettings } from '../../broker-client/broker-settings.ts';
import { kernelCmdlineLimits } from '../../config/kernel-cmdline.ts';
import type { LoadedConfig } from '../../config/load.ts';
import { readBoundedText } from '../../../common/io/read-bounded.ts';
import { publishRootFromCmdline } from './netboot-origin.ts';
import { readRunningImage } from './running-image.ts';
import { startUpdateChecker, type UpdateChecker } from './update-checker.ts';

/** status, when given, gets one line on the checks for the info screen after each of them. */
export function startUpdateWatch(
  loaded: LoadedConfig,
  log: (line: string) => void,
  onChange: (available: string | undefined) => void,
  status?: (text: string) => void,
): UpdateChecker | undefined {
  const { config } = loaded;
  const publishRoot = config.update_url[0] ?? netbootPublishRoot(loaded);
  if (publishRoot === undefined) {
    log('update: no checks: update_url is empty and this PC did not netboot a published version');
    status?.('not checked: update_url is empty and this PC did not netboot a published version');
    return undefined;
  }
  const image = readRunningImage(config.image_version_file);
  if (image.line === undefined || image.version === undefined) {
    const why = `the running version is ${image.line === undefined ? image.problem : 'unknown'}`;
    log(`update: no checks against ${publishRoot}: ${why}`);
    status?.(`not checked: ${why}`);
    return undefined;
  }
  status?.(`checking ${publishRoot} every ${config.update_check_interval} s`);
  const settings = brokerSettings(config);
  log(`update: checking ${publishRoot} every ${config.update_check_interval} s (policy ${config.update_policy}); this PC runs ${image.version}`);
  return startUpdateChecker({
    publishRoot,
    runningVersion: image.version,
    runningName: image.name,
    intervalMs: config.update_check_interval * 1000,
    request: { timeoutMs: settings.timeoutMs, caFile: settings.caFile },
    log,
    onChange,
    ...(status === undefined ? {} : { onStatus: status }),
  });
}

function netbootPublishRoot(loaded: LoadedConfig): string | undefined {
  const cmdline = loaded.files.find((file) => file.role === 'cmdline' && file.status === 'read');
  if (cmdline === undefined) return undefined;
  try {
    return publishRootFromCmdline(readBoundedText(cmdline.path, kernelCmdlineLimits.maxBytes));
  } catch {
    return undefined; // read a moment ago by the config loader; gone now means no netboot facts
  }
}
