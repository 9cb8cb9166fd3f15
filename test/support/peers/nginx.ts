// nginx serving a directory of static files on a free loopback port, as a read-only broker
// (v1/catalog as a plain file), with its own prefix, pid and logs in the test's directory.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Child, Children } from '../children.ts';
import { waitForTcpPort } from '../children.ts';
import { freeTcpPort } from './free-port.ts';

export type Nginx = { readonly child: Child; readonly url: string; readonly root: string };

export async function startNginx(children: Children, dir: string): Promise<Nginx> {
  const home = join(dir, 'nginx');
  const root = join(home, 'html');
  mkdirSync(join(home, 'logs'), { recursive: true });
  mkdirSync(join(root, 'v1'), { recursive: true });
  const port = await freeTcpPort();
  const config = join(home, 'nginx.conf');
  writeFileSync(
    config,
    `daemon off;
master_process off;
pid ${join(home, 'nginx.pid')};
error_log stderr warn;
events { worker_connections 64; }
http {
  access_log off;
  client_body_temp_path ${home}/body;
  proxy_temp_path ${home}/proxy;
  fastcgi_temp_path ${home}/fastcgi;
  uwsgi_temp_path ${home}/uwsgi;
  scgi_temp_path ${home}/scgi;
  types { application/json catalog; }
  default_type application/json;
  server {
    listen 127.0.0.1:${port};
    root ${root};
  }
}
`,
  );
  const child = children.start('nginx', 'nginx', ['-p', home, '-c', config, '-e', 'stderr']);
  await waitForTcpPort('127.0.0.1', port, child);
  return { child, url: `http://127.0.0.1:${port}/`, root };
}
