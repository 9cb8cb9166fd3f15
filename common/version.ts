// The version of vdd-thin's three programs, from package.json (bundled in at build time).
import packageJson from '../package.json' with { type: 'json' };

export const version: string = packageJson.version;
