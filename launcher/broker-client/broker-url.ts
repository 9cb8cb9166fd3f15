// Where a broker's resources are: every path of the protocol is relative to the broker's base URL
// (config key broker, or what discovery found), so a broker may live under a prefix.
export function brokerBase(url: string): URL {
  const base = new URL(url);
  if (!base.pathname.endsWith('/')) base.pathname += '/';
  base.search = '';
  base.hash = '';
  return base;
}

export function brokerResource(url: string, path: string): URL {
  return new URL(path, brokerBase(url));
}
