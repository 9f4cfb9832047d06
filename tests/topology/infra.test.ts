import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { nginxBinary, renderSite, root, selfSignedCertificate, testConfig } from './lib/nginx';

/**
 * The infra/ files of the scale-out topology (ADR 0005) that the topology tests cannot run here: the compose file
 * (checked by `docker compose config` where Compose is installed, else parsed as YAML) and the systemd units. The
 * nginx files are run for real by topology.test.ts and tls.test.ts; here `nginx -t` checks them once more.
 */

const compose = resolve(root, 'infra/docker-compose.yml');

/** Compose's own check, with dummy values for the required variables; null when Compose is not installed. */
function dockerComposeConfig(): { ok: boolean; out: string } | null {
  const version = spawnSync('docker', ['compose', 'version'], { encoding: 'utf8' });
  if (version.status !== 0) return null;
  const dir = mkdtempSync(join(tmpdir(), 'korgon-compose-'));
  try {
    const env = join(dir, 'env');
    writeFileSync(
      env,
      ['POSTGRES_PASSWORD', 'KORGON_DB_PASSWORD', 'KORGON_APP_DB_PASSWORD', 'REDIS_PASSWORD']
        .map((k) => `${k}=x`)
        .join('\n'),
    );
    const r = spawnSync(
      'docker',
      [
        'compose',
        '-f',
        compose,
        '--env-file',
        env,
        '--profile',
        'replicas',
        '--profile',
        'proxy',
        'config',
        '-q',
      ],
      { encoding: 'utf8' },
    );
    return { ok: r.status === 0, out: `${r.stdout}${r.stderr}` };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The compose file as data, parsed by Python's YAML module (no YAML parser is a dependency of this repository). */
function composeAsJson(): Record<string, unknown> {
  const r = spawnSync(
    'python3',
    ['-c', 'import json, sys, yaml; print(json.dumps(yaml.safe_load(open(sys.argv[1]))))', compose],
    { encoding: 'utf8' },
  );
  if (r.status !== 0)
    throw new Error(
      `infra/docker-compose.yml could not be checked: Docker Compose is not installed, and python3 with its yaml module (apt-get install -y python3-yaml) failed: ${r.stderr || r.error?.message}`,
    );
  return JSON.parse(r.stdout);
}

type Service = {
  profiles?: string[];
  ports?: string[];
  volumes?: string[];
  network_mode?: string;
  deploy?: { replicas?: unknown };
};

describe('infra/ for the scale-out topology', () => {
  it('the compose file is valid and runs two servers, the workers, nginx, PostgreSQL and Redis', () => {
    const checked = dockerComposeConfig();
    if (checked) expect(checked.ok, checked.out).toBe(true);
    const doc = composeAsJson();
    const services = doc.services as Record<string, Service>;
    for (const name of ['migrate', 'nginx', 'postgres', 'redis', 'server', 'server-2', 'worker'])
      expect(Object.keys(services), name).toContain(name);
    // The two servers on the loopback ports that infra/nginx/korgon.conf balances over.
    expect(services.server?.ports).toEqual(['127.0.0.1:8080:8080']);
    expect(services['server-2']?.ports).toEqual(['127.0.0.1:8081:8080']);
    const site = readFileSync(resolve(root, 'infra/nginx/korgon.conf'), 'utf8');
    expect(site).toMatch(/server 127\.0\.0\.1:8080 /);
    expect(site).toMatch(/server 127\.0\.0\.1:8081 /);
    expect(services['server-2']?.profiles).toEqual(['replicas']);
    expect(services.worker?.deploy?.replicas).toBe(['$', '{KORGON_WORKER_REPLICAS:-1}'].join(''));
    // nginx runs the shipped files, on the host's network (it reaches the loopback ports).
    const nginx = services.nginx;
    expect(nginx?.profiles).toEqual(['proxy']);
    expect(nginx?.network_mode).toBe('host');
    expect(nginx?.volumes).toContain('./nginx/korgon.conf:/etc/nginx/conf.d/default.conf:ro');
    expect(nginx?.volumes).toContain('./nginx/korgon-proxy.conf:/etc/nginx/snippets/korgon-proxy.conf:ro');
    expect(site).toContain('include /etc/nginx/snippets/korgon-proxy.conf;');
  });

  it('the systemd units start the real entry points, one server per port, and outlast the graceful stops', () => {
    const unit = (name: string) => readFileSync(resolve(root, 'infra/systemd', name), 'utf8');
    const server = unit('korgon-server@.service');
    const worker = unit('korgon-worker@.service');
    const migrate = unit('korgon-migrate.service');
    const value = (text: string, key: string) =>
      [...text.matchAll(new RegExp(`^${key}=(.*)$`, 'gm'))].map((m) => m[1] as string);
    for (const [text, dir] of [
      [server, 'apps/server'],
      [worker, 'apps/worker'],
      [migrate, ''],
    ] as const) {
      const workdir = value(text, 'WorkingDirectory')[0] ?? '';
      expect(workdir).toBe(`/opt/korgon${dir ? `/${dir}` : ''}`);
      const [, entry] = /--import tsx (\S+)$/.exec(value(text, 'ExecStart')[0] ?? '') ?? [];
      expect(existsSync(resolve(root, dir, entry ?? 'missing')), `${dir} ${entry}`).toBe(true);
      expect(value(text, 'User')).toEqual(['korgon']);
    }
    // The instance name is the port, on loopback, behind the proxy it trusts.
    expect(value(server, 'Environment').join(' ')).toContain('PORT=%i HOST=127.0.0.1 TRUST_PROXY=true');
    // systemd waits longer than the processes' own forced exits (server 20 s, worker 30 s).
    expect(Number(value(server, 'TimeoutStopSec')[0])).toBeGreaterThan(20);
    expect(Number(value(worker, 'TimeoutStopSec')[0])).toBeGreaterThan(30);
    expect(readFileSync(resolve(root, 'apps/server/src/main.ts'), 'utf8')).toContain('20_000');
    expect(readFileSync(resolve(root, 'apps/worker/src/main.ts'), 'utf8')).toContain('30_000');
  });

  it('nginx accepts the shipped configuration (nginx -t)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'korgon-nginx-t-'));
    try {
      const tls = selfSignedCertificate(dir);
      const site = renderSite({
        upstreams: [18080, 18081],
        httpPort: 18090,
        tlsPort: 18443,
        cert: tls.cert,
        key: tls.key,
        accessLog: join(dir, 'access.log'),
      });
      writeFileSync(join(dir, 'nginx.conf'), testConfig(dir, site, 18091));
      const r = spawnSync(
        nginxBinary(),
        ['-p', dir, '-e', join(dir, 'error.log'), '-c', join(dir, 'nginx.conf'), '-t'],
        {
          encoding: 'utf8',
        },
      );
      expect(r.status, r.stderr).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
