// The broker client's settings, from config keys broker_ca, broker_client_cert,
// broker_client_key, broker_timeout and cache_dir.
import type { Config } from '../../common/launcher-config/keys.ts';

/** This PC's certificate and key for brokers that ask for one (mutual TLS). */
export type ClientCertificate = { readonly certFile: string; readonly keyFile: string };

export type BrokerSettings = {
  readonly caFile: string;
  readonly clientCertificate: ClientCertificate | undefined;
  readonly timeoutMs: number;
  readonly cacheDir: string;
};

export function brokerSettings(config: Config): BrokerSettings {
  const clientCertificate =
    config.broker_client_cert === '' && config.broker_client_key === ''
      ? undefined
      : { certFile: config.broker_client_cert, keyFile: config.broker_client_key };
  return { caFile: config.broker_ca, clientCertificate, timeoutMs: config.broker_timeout, cacheDir: config.cache_dir };
}
