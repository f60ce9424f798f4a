/**
 * The Dockerfile and deploy/docker-compose.yml checked against the code they deploy: the files the
 * processes read at run time, the CLI's commands, the variables the configuration reads and the
 * settings it loads from them, and the routes the ops router serves. (Prometheus and Grafana:
 * deploy-monitoring.test.ts; Kubernetes: deploy-k8s.test.ts.)
 */
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { DEFAULT_OPS, loadSettings } from '../../config/settings';
import {
  CLI_COMMANDS,
  closedPort,
  closeServer,
  failingChecks,
  isOpsRoute,
  listen,
  opsApp,
  startProblems,
  unknownOptions,
} from '../support/deploy-checks';
import * as d from '../support/deploy-files';
import { repoRoot } from '../support/shared';

const exec = promisify(execFile);
const DEFAULTS = loadSettings({});

describe('Dockerfile', () => {
  const instructions = d.dockerInstructions(d.readText('Dockerfile'));
  const lastStage = Math.max(...instructions.map((i) => i.stage));
  const runtime = instructions.filter((i) => i.stage === lastStage);
  const copies = d.copyInstructions(instructions);
  const only = (keyword: string): d.Instruction => {
    const found = runtime.filter((i) => i.keyword === keyword);
    expect(found).toHaveLength(1);
    return found[0]!;
  };

  it('copies only paths that exist and that .dockerignore lets into the build context', () => {
    const ignored = d.dockerignorePatterns();
    const local = copies.filter((c) => c.from === undefined).flatMap((c) => c.sources);
    expect(local.length).toBeGreaterThan(0);
    const problems = local.flatMap((source) => [
      ...(fs.existsSync(path.join(repoRoot, source)) ? [] : [`${source} does not exist`]),
      ...(d.dockerIgnored(ignored, source) ? [`${source} is in .dockerignore`] : []),
    ]);
    expect(problems).toEqual([]);
  });

  it('builds from every folder tsconfig.build.json compiles and ships only its outputs', () => {
    const include = (JSON.parse(d.readText('tsconfig.build.json')) as { include: string[] }).include;
    const buildSources = copies
      .filter((c) => c.stage < lastStage && c.from === undefined)
      .flatMap((c) => c.sources);
    expect(include.filter((dir) => !buildSources.includes(dir))).toEqual([]);
    const built = copies.filter((c) => c.from !== undefined).flatMap((c) => c.sources);
    expect(built.length).toBeGreaterThan(0);
    expect(built.filter((source) => !include.some((dir) => source === `/app/dist/${dir}`))).toEqual([]);
  });

  it('ships what package.json "files" lists: the CLI, its compiled code, config and migrations', () => {
    const pkg = JSON.parse(d.readText('package.json')) as { files: string[] };
    const shipped = copies
      .filter((c) => c.stage === lastStage)
      .flatMap((c) =>
        c.destination === './'
          ? c.sources.map((s) => path.basename(s))
          : [c.destination.replace(/^\.\//, '')],
      );
    expect(
      pkg.files
        .map((entry) => entry.replace(/\/\*[^/]*$/, '')) // config/*.yaml: the folder holding them
        .filter((entry) => !shipped.some((s) => s === entry || s.startsWith(`${entry}/`))),
    ).toEqual([]);
    // bin/ loads dist/src/cli; the pool runs dist/workers; dist/config finds config/*.yaml; the version
    // is read from package.json.
    expect(d.readText('bin/actor-core.js')).toContain("require('../dist/src/cli/main.js')");
    const needed = ['dist/src', 'dist/workers', 'dist/config', 'config', 'migrations', 'bin', 'package.json'];
    expect(needed.filter((p) => !shipped.includes(p))).toEqual([]);
  });

  it('installs production dependencies in the runtime stage without running the prepare build', () => {
    const pkg = JSON.parse(d.readText('package.json')) as { scripts: Record<string, string> };
    expect(pkg.scripts.prepare).toBeDefined();
    const installs = runtime.filter((i) => i.keyword === 'RUN' && /\bnpm ci\b/.test(i.args));
    expect(installs).toHaveLength(1);
    expect(installs[0]!.args).toMatch(/--omit=dev\b/);
    expect(installs[0]!.args).toMatch(/--ignore-scripts\b/);
  });

  it('runs as a non-root user', () => {
    const user = runtime.filter((i) => i.keyword === 'USER').pop();
    expect(user?.args.split(':')[0]).toMatch(/^(?!root$|0$)\S+$/);
  });

  it('starts bin/actor-core.js with a CLI command, the API by default', () => {
    expect(d.execForm(only('ENTRYPOINT').args)).toEqual(['node', 'bin/actor-core.js']);
    expect(d.execForm(only('CMD').args)).toEqual(['api']);
    expect(CLI_COMMANDS.has('api')).toBe(true);
  });

  it('exposes the API port and the worker sidecar port of the default configuration', () => {
    const exposed = only('EXPOSE').args.split(/\s+/).map(Number);
    expect(exposed).toEqual([DEFAULTS.server.port, DEFAULTS.monitoring.workerSidecarPort]);
  });

  it('HEALTHCHECK passes on /health at PORT, falls back to the worker sidecar, fails on a failed check', async () => {
    const args = only('HEALTHCHECK').args;
    const argv = d.execForm(args.slice(args.indexOf('CMD ') + 'CMD '.length));
    expect(argv.slice(0, 2)).toEqual(['node', '-e']);
    const probe = (env: Record<string, string>): Promise<number> =>
      exec(process.execPath, ['-e', argv[2]!], { env, timeout: 15_000 }).then(
        () => 0,
        (err: { code?: number }) => err.code ?? -1,
      );
    const ok = await listen(opsApp());
    const bad = await listen(opsApp(failingChecks));
    try {
      const none = String(await closedPort());
      expect(await probe({ PORT: String(ok.port), WORKER_SIDECAR_PORT: '0' })).toBe(0);
      expect(await probe({ PORT: String(bad.port), WORKER_SIDECAR_PORT: '0' })).toBe(1);
      expect(await probe({ PORT: none, WORKER_SIDECAR_PORT: String(ok.port) })).toBe(0);
      expect(await probe({ PORT: none, WORKER_SIDECAR_PORT: String(bad.port) })).toBe(1);
    } finally {
      await Promise.all([closeServer(ok.server), closeServer(bad.server)]);
    }
  });
});

describe('docker compose', () => {
  const services = d.composeServices();
  const actorCore = Object.entries(services).filter(
    ([, s]) => s.build !== undefined || /^actor-core\b/.test(s.image ?? ''),
  );
  const settingsOf = (name: string): ReturnType<typeof loadSettings> =>
    loadSettings(d.composeServiceEnv(services[name]!));
  const healthUrl = (name: string): URL =>
    new URL(/http:\/\/[^'"\s)]+/.exec(services[name]!.healthcheck!.test!.join(' '))![0]);

  it('runs the API, the workers and the migration from the actor-core image, with CLI commands', () => {
    const commands = actorCore.map(([name, s]) => [name, s.command?.[0]]).sort();
    expect(commands).toEqual([
      ['api', 'api'],
      ['migrate', 'migrate'],
      ['worker', 'worker'],
    ]);
    expect(commands.filter(([, command]) => !CLI_COMMANDS.has(command!))).toEqual([]);
  });

  it('sets only environment variables the configuration reads', () => {
    const variables = d.configVariables();
    const unread = actorCore.flatMap(([name, s]) =>
      Object.keys(d.composeServiceEnv(s))
        .filter((v) => !variables.has(v))
        .map((v) => `${name}: ${v}`),
    );
    expect(unread).toEqual([]);
  });

  it('gives every actor-core service settings that load, with what its command needs', () => {
    const problems = actorCore.flatMap(([name, s]) =>
      startProblems(s.command![0]!, settingsOf(name)).map((p) => `${name}: ${p}`),
    );
    expect(problems).toEqual([]);
  });

  it('points DATABASE_URL and REDIS_URL at the compose postgres and redis services', () => {
    const pg = d.composeServiceEnv(services.postgres!);
    for (const [name] of actorCore) {
      const db = new URL(settingsOf(name).databaseUrl!);
      expect([name, db.hostname, db.username, db.password, db.pathname]).toEqual([
        name,
        'postgres',
        pg.POSTGRES_USER,
        pg.POSTGRES_PASSWORD,
        `/${pg.POSTGRES_DB}`,
      ]);
      expect([name, new URL(settingsOf(name).redisUrl!).hostname]).toEqual([name, 'redis']);
    }
  });

  it('publishes and health-checks the API on its port, the workers on their sidecar port', async () => {
    const api = settingsOf('api');
    const worker = settingsOf('worker');
    expect(api.server.port).toBe(DEFAULT_OPS.server.port);
    expect(worker.monitoring.workerSidecarPort).toBe(DEFAULT_OPS.monitoring.workerSidecarPort);
    expect(services.api!.ports!.map((p) => Number(p.split(':').pop()))).toEqual([api.server.port]);
    expect(Number(healthUrl('api').port)).toBe(api.server.port);
    expect(services.worker!.expose!.map(Number)).toEqual([worker.monitoring.workerSidecarPort]);
    expect(Number(healthUrl('worker').port)).toBe(worker.monitoring.workerSidecarPort);
    for (const name of ['api', 'worker']) {
      // Liveness: /health (/ready turns 503 while draining, which is no reason to restart).
      expect([name, healthUrl(name).pathname, await isOpsRoute(healthUrl(name).pathname)]).toEqual([
        name,
        '/health',
        true,
      ]);
    }
  });

  it('runs the migration once, to completion, before the API and the workers', () => {
    for (const name of ['api', 'worker']) {
      const dependsOn = services[name]!.depends_on as Record<string, { condition: string }>;
      expect([name, dependsOn.migrate]).toEqual([name, { condition: 'service_completed_successfully' }]);
    }
    expect(services.migrate).toMatchObject({ command: ['migrate'], restart: 'no' });
  });

  it("schedules the catch-up as the deploy README's cron line says: an enqueue the one-off service can run", () => {
    const readme = fs.readFileSync(path.join(repoRoot, 'deploy', 'README.md'), 'utf8');
    const cron =
      /`\*\/15 \* \* \* \* flock -n \S+ docker compose -f \S+ run --rm --no-deps (\S+) ([^`]+)`/.exec(readme);
    expect(cron).not.toBeNull();
    const [, service, command] = cron!;
    const args = command!.split(' ');
    // The same run as the Kubernetes CronJob, on a service that runs once and is not restarted.
    expect(args).toEqual(['enqueue', '--all', '--stale', '--skip-failed']);
    expect(services[service!]).toMatchObject({ restart: 'no' });
    expect(unknownOptions(args)).toEqual([]);
    expect(startProblems('enqueue', settingsOf(service!))).toEqual([]);
  });

  it('lets the worker scale: no container_name and no host ports', () => {
    expect(services.worker!.container_name).toBeUndefined();
    expect(services.worker!.ports).toBeUndefined();
  });

  it('gives the API and the workers longer than SHUTDOWN_TIMEOUT_MS to stop', () => {
    for (const name of ['api', 'worker']) {
      const graceMs = d.composeSeconds(services[name]!.stop_grace_period ?? '10s') * 1000;
      expect([name, graceMs > settingsOf(name).worker.shutdownTimeoutMs]).toEqual([name, true]);
    }
  });

  it('runs Redis 7 on deploy/redis.conf (noeviction, AOF) and Postgres 15 with pg_isready', () => {
    const redis = services.redis!;
    expect(redis.image).toMatch(/^redis:7\b/);
    const at = [...d.composeMounts(redis)].find(([, from]) => from === './redis.conf')!;
    // The file as redis-server's first argument: the image's entrypoint then disables protected mode.
    expect(redis.command!.slice(0, 2)).toEqual(['redis-server', at[0]]);
    const conf = fs.readFileSync(path.join(d.deployDir, at[1]), 'utf8');
    expect(conf).toMatch(/^maxmemory-policy noeviction$/m);
    expect(conf).toMatch(/^appendonly yes$/m);
    expect(services.postgres!.image).toMatch(/^postgres:15\b/);
    expect(services.postgres!.healthcheck!.test!.join(' ')).toMatch(/\bpg_isready\b/);
  });
});
