// A throw-away certificate authority made with openssl for https tests: a CA, and a server
// certificate it signs for the given host names and IP addresses (good for a TLS client too).
import { execFileSync } from 'node:child_process';
import { isIP } from 'node:net';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export type TestCa = { readonly caFile: string; readonly certFile: string; readonly keyFile: string };

function openssl(args: readonly string[]): void {
  execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'] });
}

/** validFrom: the server certificate's notBefore (e.g. tomorrow, for a client whose clock is behind); default now. */
export function makeTestCa(dir: string, label: string, names: readonly string[], options: { validFrom?: Date } = {}): TestCa {
  const home = join(dir, label);
  mkdirSync(home, { recursive: true });
  const file = (name: string) => join(home, name);
  openssl([
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:prime256v1',
    '-nodes',
    '-days',
    '2',
    '-subj',
    `/CN=vdd test CA ${label}`,
    '-keyout',
    file('ca.key'),
    '-out',
    file('ca.pem'),
  ]);
  openssl([
    'req',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:prime256v1',
    '-nodes',
    '-subj',
    `/CN=${names[0] ?? 'localhost'}`,
    '-keyout',
    file('server.key'),
    '-out',
    file('server.csr'),
  ]);
  const san = names.map((name) => (isIP(name) ? `IP:${name}` : `DNS:${name}`)).join(',');
  writeFileSync(file('ext.cnf'), `subjectAltName=${san}\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth,clientAuth\n`);
  if (options.validFrom === undefined) {
    openssl([
      'x509',
      '-req',
      '-in',
      file('server.csr'),
      '-CA',
      file('ca.pem'),
      '-CAkey',
      file('ca.key'),
      '-CAcreateserial',
      '-days',
      '2',
      '-extfile',
      file('ext.cnf'),
      '-out',
      file('server.pem'),
    ]);
  } else {
    // openssl x509 always starts now; openssl ca takes a start date.
    const stamp = (date: Date) => `${date.toISOString().replace(/[-:T]/g, '').slice(0, 14)}Z`;
    writeFileSync(file('index.txt'), '');
    writeFileSync(file('serial'), '01\n');
    writeFileSync(
      file('ca.cnf'),
      `[ca]\ndefault_ca = test\n[test]\ndatabase = ${file('index.txt')}\nnew_certs_dir = ${home}\nserial = ${file('serial')}\ndefault_md = sha256\npolicy = any\nunique_subject = no\n[any]\ncommonName = supplied\n`,
    );
    const until = new Date(options.validFrom.getTime() + 2 * 86_400_000);
    openssl([
      'ca',
      '-batch',
      '-config',
      file('ca.cnf'),
      '-cert',
      file('ca.pem'),
      '-keyfile',
      file('ca.key'),
      '-in',
      file('server.csr'),
      '-out',
      file('server.pem'),
      '-startdate',
      stamp(options.validFrom),
      '-enddate',
      stamp(until),
      '-extfile',
      file('ext.cnf'),
      '-notext',
    ]);
  }
  return { caFile: file('ca.pem'), certFile: file('server.pem'), keyFile: file('server.key') };
}
