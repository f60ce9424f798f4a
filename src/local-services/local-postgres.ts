/**
 * A private PostgreSQL server for tests, the demo and the benchmarks, from the machine's own binaries:
 * `initdb` (trust auth, loopback only) into a temporary folder (removed at stop) or a given one (kept,
 * and reused on the next start), then `postgres` on a free loopback port.
 *
 * PostgreSQL refuses to run as root; as root both commands run as an unprivileged user (run-command.ts)
 * and the folder is handed to that user.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Client } from 'pg';
import { ActorCoreError } from '../core/errors';
import { findPostgresBinDir, isPostgresBinDir, postgresMajorVersion } from './find-binary';
import { freePort } from './free-port';
import { canInstallPackages, installDebianPackage, missingBinaryError } from './install-package';
import { canWriteAs, unprivilegedUser, wrapCommand, type RunAs } from './run-command';
import {
  logTail,
  restartableServer,
  runToCompletion,
  spawnServer,
  startFailed,
  waitUntilReady,
  type ServerProcess,
} from './server-process';
import { makeTempDir } from './temp-dir';

export interface LocalPostgresOptions {
  /** The server's folder (created if missing, kept at stop, reused). Default: a temporary folder, removed at stop. */
  dataDir?: string;
  /** The database created (if missing) and named in the URL; default `actor_core`. */
  database?: string;
  /** The folder of `initdb` and `postgres`. Default: the highest /usr/lib/postgresql/<v>/bin, else PATH. */
  binDir?: string;
  /** Whether missing binaries may be installed (root + apt-get only); default true. */
  install?: boolean;
  /**
   * Off by default. Trades crash safety for speed: `initdb --no-sync` and `fsync=off`,
   * `synchronous_commit=off`, `full_page_writes=off`. A server crash (not a client crash) can then lose or
   * corrupt data, so use it only for throwaway data whose durability no test asserts.
   */
  noFsync?: boolean;
  /** Environment of the server (and of the PATH lookup); default: this process's. */
  env?: NodeJS.ProcessEnv;
  log?: (line: string) => void;
  /** How long the server may take to accept connections; default 30 s. */
  startTimeoutMs?: number;
}

export interface PostgresRestartOptions {
  /**
   * `fast` (default, SIGINT): clients are disconnected, a checkpoint is written. `immediate` (SIGQUIT):
   * no checkpoint, as after a crash; the next start replays the WAL.
   */
  mode?: 'fast' | 'immediate';
  /** How long the port stays closed between the stop and the new start; default 0. */
  downtimeMs?: number;
}

export interface LocalPostgres {
  /** `postgres://postgres@127.0.0.1:<port>/<database>` */
  url: string;
  port: number;
  database: string;
  dataDir: string;
  /** The PID of the running server (a new one after a restart). */
  readonly pid: number;
  /**
   * Stops the server, waits, and starts it again on the same port with the same data folder; resolves
   * once it accepts sessions (after crash recovery, for `immediate`). Pools reconnect on their own.
   */
  restart(options?: PostgresRestartOptions): Promise<void>;
  /** Stops the server (fast shutdown) and removes its folder if it was temporary. Safe to call twice. */
  stop(): Promise<void>;
}

/** The superuser initdb creates; named explicitly so it does not depend on who runs initdb. */
const SUPERUSER = 'postgres';
const START_ATTEMPTS = 3;
const PORT_CLASH = /could not bind|address already in use/i;
/** Unix socket paths are limited to 107 bytes; past that, TCP alone is used. */
const MAX_SOCKET_PATH = 100;

/** The folder of `initdb` and `postgres`: given, found, or freshly installed. */
export async function requirePostgresBinDir(options: LocalPostgresOptions = {}): Promise<string> {
  if (options.binDir !== undefined) {
    if (isPostgresBinDir(options.binDir)) return options.binDir;
    throw missingBinaryError(`initdb and postgres in ${options.binDir}`, 'postgresql', 'pass another binDir');
  }
  const what = 'PostgreSQL server binaries (initdb, postgres)';
  const alternative = 'set DATABASE_URL to a running PostgreSQL';
  const found = findPostgresBinDir(options.env);
  if (found !== undefined) return found;
  if (options.install === false || !canInstallPackages())
    throw missingBinaryError(what, 'postgresql', alternative);
  await installDebianPackage('postgresql', options);
  const installed = findPostgresBinDir(options.env);
  if (installed === undefined)
    throw missingBinaryError(`${what} (still, after installing)`, 'postgresql', alternative);
  return installed;
}

export async function startLocalPostgres(options: LocalPostgresOptions = {}): Promise<LocalPostgres> {
  const log = options.log ?? (() => undefined);
  const started = Date.now();
  const database = options.database ?? 'actor_core';
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(database)) {
    throw new ActorCoreError(
      'SERVICE_START_FAILED',
      `database name ${JSON.stringify(database)} must match [a-z_][a-z0-9_]*`,
    );
  }
  const binDir = await requirePostgresBinDir(options);
  const runAs = unprivilegedUser();

  const temp = options.dataDir === undefined ? makeTempDir('postgres') : undefined;
  const dataDir = temp?.dir ?? path.resolve(options.dataDir as string);
  const removeDir = (): void => temp?.remove();

  let server: ServerProcess | undefined;
  let port = 0;
  const logFile = path.join(dataDir, 'postgres.log');
  try {
    prepareFolder(dataDir, runAs, options.env);
    const pgdata = path.join(dataDir, 'data');
    await initdbOnce(binDir, pgdata, dataDir, logFile, runAs, options, log);
    for (let attempt = 1; server === undefined; attempt++) {
      port = await freePort();
      const candidate = spawnPostgres(binDir, pgdata, port, dataDir, logFile, runAs, options);
      try {
        await waitUntilReady(candidate, () => accepts(port), options.startTimeoutMs ?? 30_000);
        server = candidate;
      } catch (err) {
        await candidate.stop(5_000);
        if (attempt >= START_ATTEMPTS || !PORT_CLASH.test(logTail(logFile, 5))) throw err;
        log(`postgres: port ${port} was taken, trying another`);
      }
    }
    await createDatabase(port, database);
  } catch (err) {
    await server?.stop();
    removeDir();
    throw err instanceof ActorCoreError ? err : startFailed(`postgres: ${(err as Error).message}`, logFile);
  }

  log(`postgres ${server.pid} listening on 127.0.0.1:${port} (${Date.now() - started} ms)`);
  const boundPort = port;
  const pgdata = path.join(dataDir, 'data');
  const running = restartableServer(
    server,
    () => spawnPostgres(binDir, pgdata, boundPort, dataDir, logFile, runAs, options),
    () => accepts(boundPort),
    { startTimeoutMs: options.startTimeoutMs ?? 30_000, portClash: PORT_CLASH },
  );
  let stopping: Promise<void> | undefined;
  return {
    url: `postgres://${SUPERUSER}@127.0.0.1:${port}/${database}`,
    port,
    database,
    dataDir,
    get pid() {
      return running.current().pid;
    },
    restart: async (restart = {}) => {
      const mode = restart.mode ?? 'fast';
      // SIGQUIT is PostgreSQL's immediate shutdown (see spawnPostgres for SIGINT).
      const t = await running.restart(mode === 'immediate' ? 'SIGQUIT' : 'SIGINT', restart.downtimeMs ?? 0);
      log(
        `postgres restarted on ${boundPort} as ${running.current().pid} (${mode}: stopped in ` +
          `${t.stopMs} ms, down ${restart.downtimeMs ?? 0} ms, started in ${t.startMs} ms)`,
      );
    },
    stop: () =>
      (stopping ??= (async () => {
        await running.stop();
        removeDir();
      })()),
  };
}

/** Creates the folder and, as root, hands it to the user the server runs as, who must be able to reach it. */
function prepareFolder(dir: string, runAs: RunAs | undefined, env: NodeJS.ProcessEnv | undefined): void {
  fs.mkdirSync(dir, { recursive: true });
  if (runAs === undefined) return;
  fs.chownSync(dir, runAs.uid, runAs.gid);
  fs.chmodSync(dir, 0o700);
  if (!canWriteAs(runAs, dir, env)) {
    throw new ActorCoreError(
      'SERVICE_START_FAILED',
      `postgres runs as the user ${runAs.user} (PostgreSQL refuses root), who cannot reach ${dir}: a parent folder is closed to it; use a data folder under ${os.tmpdir()}`,
    );
  }
}

/** Runs initdb unless the folder already holds a cluster, which must then be of the same major version. */
async function initdbOnce(
  binDir: string,
  pgdata: string,
  cwd: string,
  logFile: string,
  runAs: RunAs | undefined,
  options: LocalPostgresOptions,
  log: (line: string) => void,
): Promise<void> {
  const versionFile = path.join(pgdata, 'PG_VERSION');
  if (fs.existsSync(versionFile)) {
    const existing = Number(fs.readFileSync(versionFile, 'utf8').trim());
    const binaries = postgresMajorVersion(binDir);
    if (binaries !== undefined && existing !== binaries) {
      throw new ActorCoreError(
        'SERVICE_START_FAILED',
        `postgres: ${pgdata} was created by PostgreSQL ${existing} but the binaries in ${binDir} are version ${binaries}: remove the folder or use other binaries`,
      );
    }
    return;
  }
  log(`postgres: initdb ${pgdata}${runAs !== undefined ? ` as ${runAs.user}` : ''}`);
  const args = ['-D', pgdata, '--auth=trust', `--username=${SUPERUSER}`, '--encoding=UTF8', '--locale=C'];
  if (options.noFsync === true) args.push('--no-sync');
  const line = wrapCommand(path.join(binDir, 'initdb'), args, {
    runAs,
    parentDeathSignal: 'SIGTERM',
    env: options.env,
  });
  const failure = await runToCompletion({
    name: 'initdb',
    ...line,
    cwd,
    env: options.env,
    logFile,
    timeoutMs: 120_000,
  });
  if (failure !== undefined) {
    fs.rmSync(pgdata, { recursive: true, force: true });
    throw startFailed(`postgres: initdb ${failure}`, logFile);
  }
}

function spawnPostgres(
  binDir: string,
  pgdata: string,
  port: number,
  cwd: string,
  logFile: string,
  runAs: RunAs | undefined,
  options: LocalPostgresOptions,
): ServerProcess {
  const socketDir = path.join(pgdata, `.s.PGSQL.${port}`).length <= MAX_SOCKET_PATH ? pgdata : '';
  const args = ['-D', pgdata, '-p', String(port), '-k', socketDir, '-c', 'listen_addresses=127.0.0.1'];
  if (options.noFsync === true) {
    // Explicitly requested (see LocalPostgresOptions.noFsync): no durability, faster writes.
    args.push('-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off');
  }
  // SIGINT is PostgreSQL's "fast" shutdown: it disconnects clients and exits cleanly. SIGTERM ("smart")
  // would wait for every client to disconnect, forever if a test leaked a pool.
  const line = wrapCommand(path.join(binDir, 'postgres'), args, {
    runAs,
    parentDeathSignal: 'SIGINT',
    env: options.env,
  });
  return spawnServer({ name: 'postgres', ...line, cwd, env: options.env, logFile, stopSignal: 'SIGINT' });
}

function adminClient(port: number): Client {
  const client = new Client({
    host: '127.0.0.1',
    port,
    user: SUPERUSER,
    database: 'postgres',
    connectionTimeoutMillis: 2_000,
  });
  client.on('error', () => undefined); // a server going away mid-probe is reported by the query instead
  return client;
}

/** Whether the server accepts a session and a query (not just the TCP connection: it may be starting up). */
async function accepts(port: number): Promise<boolean> {
  const client = adminClient(port);
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function createDatabase(port: number, database: string): Promise<void> {
  const client = adminClient(port);
  try {
    await client.connect();
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (found.rowCount === 0) await client.query(`CREATE DATABASE "${database}"`);
  } finally {
    await client.end().catch(() => undefined);
  }
}
