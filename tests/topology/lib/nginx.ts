import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { accessSync, chmodSync, constants, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join, resolve } from 'node:path';
import { findRepoRoot } from '@korgon/config';

/**
 * Real nginx (Debian's package) as a test's own process: its own configuration, pid, logs and temporary
 * files in a temporary directory, listening on loopback ports only; never the system's service. The
 * configuration is the shipped one: infra/nginx/korgon.conf with its ports, certificate and log paths replaced
 * (each replacement must match, so an edit of the shipped file that the test no longer covers fails here),
 * including infra/nginx/korgon-proxy.conf unchanged.
 */

export const root = findRepoRoot(import.meta.dirname);
export const SITE_CONF = resolve(root, 'infra/nginx/korgon.conf');
export const PROXY_CONF = resolve(root, 'infra/nginx/korgon-proxy.conf');

const INSTALL_HINT =
  "nginx is not installed, and the topology tests (pnpm test:topology, part of pnpm test) run real nginx: install Debian's package with `apt-get install -y nginx` (.ci/run does), or set NGINX_PATH to an nginx binary";

/** The nginx binary: NGINX_PATH, else `nginx` on the PATH or in /usr/sbin (Debian's place, often not on a user's PATH). */
export function nginxBinary(): string {
  const candidates = [
    process.env.NGINX_PATH,
    ...(process.env.PATH ?? '').split(delimiter).map((d) => d && join(d, 'nginx')),
    '/usr/sbin/nginx',
  ].filter((c): c is string => Boolean(c));
  for (const c of candidates) {
    try {
      accessSync(c, constants.X_OK);
      return c;
    } catch {
      // not this one
    }
  }
  throw new Error(INSTALL_HINT);
}

/** A self-signed certificate for 127.0.0.1 and localhost, made by openssl for this test only. */
export function selfSignedCertificate(dir: string): { cert: string; key: string; pem: string } {
  const cert = join(dir, 'cert.pem');
  const key = join(dir, 'key.pem');
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-keyout',
      key,
      '-out',
      cert,
      '-days',
      '2',
      '-subj',
      '/CN=127.0.0.1',
      '-addext',
      'subjectAltName=IP:127.0.0.1,DNS:localhost',
    ],
    { stdio: 'pipe' },
  );
  chmodSync(key, 0o600);
  return { cert, key, pem: readFileSync(cert, 'utf8') };
}

export interface SiteOptions {
  /** The two server processes' ports (korgon-server@8080 and @8081 in production). */
  upstreams: [number, number];
  /** The port-80 server (redirect to https) and the TLS server. */
  httpPort: number;
  tlsPort: number;
  cert: string;
  key: string;
  accessLog: string;
}

/** infra/nginx/korgon.conf for loopback: each replaced line must be there exactly as shipped. */
export function renderSite(o: SiteOptions): string {
  let text = readFileSync(SITE_CONF, 'utf8');
  const replace = (from: string, to: string, times: number) => {
    const found = text.split(from).length - 1;
    if (found !== times)
      throw new Error(`infra/nginx/korgon.conf: expected "${from}" ${times} time(s), found ${found}`);
    text = text.split(from).join(to);
  };
  replace('server 127.0.0.1:8080 ', `server 127.0.0.1:${o.upstreams[0]} `, 1);
  replace('server 127.0.0.1:8081 ', `server 127.0.0.1:${o.upstreams[1]} `, 1);
  replace('    listen 80;\n', `    listen 127.0.0.1:${o.httpPort};\n`, 1);
  replace('    listen [::]:80;\n', '', 1);
  replace('    listen 443 ssl http2;\n', `    listen 127.0.0.1:${o.tlsPort} ssl http2;\n`, 1);
  replace('    listen [::]:443 ssl http2;\n', '', 1);
  replace('/etc/letsencrypt/live/korgon.example.kg/fullchain.pem', o.cert, 1);
  replace('/etc/letsencrypt/live/korgon.example.kg/privkey.pem', o.key, 1);
  replace('/var/log/nginx/korgon.access.log', o.accessLog, 2);
  replace('include /etc/nginx/snippets/korgon-proxy.conf;', `include ${PROXY_CONF};`, 1);
  return text;
}

export interface Nginx {
  dir: string;
  /** Plain HTTP on loopback with the shipped locations (korgon-proxy.conf): for clients without the test's CA. */
  plainBase: string;
  /** The shipped TLS server block. */
  tlsBase: string;
  /** The shipped port-80 server (redirects to https). */
  httpBase: string;
  /** The PEM of the self-signed certificate, for clients that verify it. */
  ca: string;
  accessLog: () => string;
  errorLog: () => string;
  output: () => string;
  stop: () => Promise<void>;
}

async function listening(port: number): Promise<boolean> {
  return new Promise((r) => {
    const s = connect(port, '127.0.0.1');
    s.once('connect', () => {
      s.destroy();
      r(true);
    });
    s.once('error', () => r(false));
  });
}

/** The whole nginx.conf of a test: the shipped site, plus a plain-HTTP server including the shipped locations. */
export function testConfig(dir: string, site: string, plainPort: number): string {
  return `# Written by tests/topology/lib/nginx.ts: a test's own nginx, on loopback.
${process.getuid?.() === 0 ? 'user root root;\n' : ''}worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 1024; }
http {
    client_body_temp_path ${dir}/client_body;
    proxy_temp_path ${dir}/proxy;
    fastcgi_temp_path ${dir}/fastcgi;
    uwsgi_temp_path ${dir}/uwsgi;
    scgi_temp_path ${dir}/scgi;
    # ---- infra/nginx/korgon.conf, rendered ----
${site}
    # ---- test only: the shipped locations over plain HTTP ----
    server {
        listen 127.0.0.1:${plainPort};
        access_log ${dir}/access.log korgon;
        include ${PROXY_CONF};
    }
}
`;
}

export async function startNginx(o: {
  upstreams: [number, number];
  plainPort: number;
  httpPort: number;
  tlsPort: number;
}): Promise<Nginx> {
  const bin = nginxBinary();
  const dir = mkdtempSync(join(tmpdir(), 'korgon-nginx-'));
  const tls = selfSignedCertificate(dir);
  const accessLog = join(dir, 'access.log');
  const site = renderSite({ ...o, cert: tls.cert, key: tls.key, accessLog });
  const conf = join(dir, 'nginx.conf');
  writeFileSync(conf, testConfig(dir, site, o.plainPort));
  const args = ['-p', dir, '-e', join(dir, 'error.log'), '-c', conf];
  try {
    execFileSync(bin, [...args, '-t'], { stdio: 'pipe' });
  } catch (err) {
    throw new Error(`nginx -t refused the configuration:\n${(err as { stderr?: Buffer }).stderr}`);
  }
  const child: ChildProcess = spawn(bin, [...args, '-g', 'daemon off;'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout?.on('data', (d) => (out += d));
  child.stderr?.on('data', (d) => (out += d));
  const exit = new Promise<void>((r) => child.once('exit', () => r()));
  const read = (f: string) => {
    try {
      return readFileSync(join(dir, f), 'utf8');
    } catch {
      return '';
    }
  };
  const until = Date.now() + 10_000;
  while (!(await listening(o.plainPort)) || !(await listening(o.tlsPort))) {
    if (child.exitCode !== null || Date.now() > until)
      throw new Error(`nginx did not start:\n${out}\n${read('error.log')}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    dir,
    plainBase: `http://127.0.0.1:${o.plainPort}`,
    tlsBase: `https://127.0.0.1:${o.tlsPort}`,
    httpBase: `http://127.0.0.1:${o.httpPort}`,
    ca: tls.pem,
    accessLog: () => read('access.log'),
    errorLog: () => read('error.log'),
    output: () => out,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exit;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
