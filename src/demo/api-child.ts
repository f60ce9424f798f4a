/**
 * The sidecar of the demo: `actor-core api` as a child process, the HTTP server with /health, /ready,
 * /metrics, Bull Board and the producer API, on 127.0.0.1 at a port the OS picks (`--port 0`; the
 * child logs the one it got). It verifies tokens signed with `jwtSecret`, so that the demo can hand
 * its user an admin token for Bull Board.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Settings } from '../../config/settings';
import { wrapCommand } from '../local-services/run-command';
import { spawnLoggedChild, stopLoggedChild, untilStarted } from './logged-child';
import { packageRoot, settingsEnvironment } from './worker-children';

export interface ApiChildOptions {
  /** URLs, queue and prefixes as the workers have them; also the tokens' issuer and audience. */
  settings: Settings;
  /** HS256 secret the API verifies tokens with (at least 32 bytes). */
  jwtSecret: string;
  /** Receives every line the API prints. */
  logFile: string;
  /** How long it may take to log "api listening"; default 60 s. */
  startTimeoutMs?: number;
  /** Rejecting it while the API starts stops it and rejects the start with its reason. */
  abort?: Promise<never>;
}

export interface ApiChild {
  /** `http://127.0.0.1:<port>`. */
  readonly url: string;
  readonly pid: number;
  /** Resolves if the API exits (it exits only when stopped, or on a crash), with why. */
  readonly exited: Promise<string>;
  /** SIGTERM, then waits for it to drain (at most the shutdown timeout + 5 s, then SIGKILL). Idempotent. */
  stop(): Promise<void>;
}

const LISTENING = 'api listening';

/** The API's environment: the workers' settings, plus how it listens and verifies tokens. */
export function apiEnvironment(settings: Settings, jwtSecret: string): Record<string, string> {
  return {
    ...settingsEnvironment(settings),
    HOST: '127.0.0.1',
    JWT_SECRET: jwtSecret,
    JWT_ISSUER: settings.security.issuer,
    JWT_AUDIENCE: settings.security.audience,
  };
}

export async function startApiChild(options: ApiChildOptions): Promise<ApiChild> {
  const cli = path.join(packageRoot(), 'bin', 'actor-core.js');
  const log = fs.createWriteStream(options.logFile, { flags: 'a' });
  log.on('error', () => undefined); // a log we cannot write must not stop the API
  let onListening: (port: number) => void = () => undefined;
  const listening = new Promise<number>((resolve) => (onListening = resolve));
  const child = spawnLoggedChild(
    wrapCommand(process.execPath, [cli, 'api', '--port', '0'], { parentDeathSignal: 'SIGTERM' }),
    {
      env: apiEnvironment(options.settings, options.jwtSecret),
      cwd: packageRoot(),
      log,
      onRecord: (record) => {
        if (record.msg === LISTENING && typeof record.port === 'number') onListening(record.port);
      },
    },
  );
  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopping ??= (async () => {
      await stopLoggedChild(child, options.settings.worker.shutdownTimeoutMs + 5_000);
      await new Promise<void>((resolve) => log.end(resolve));
    })());

  const exited = child.exited.then((why) => `the API (pid ${child.process.pid}) ${why}`);
  await untilStarted({
    started: listening.then(() => undefined),
    exited,
    timeoutMs: options.startTimeoutMs ?? 60_000,
    what: 'the API',
    logFile: options.logFile,
    stop,
    ...(options.abort ? { abort: options.abort } : {}),
  });
  return { url: `http://127.0.0.1:${await listening}`, pid: child.process.pid!, exited, stop };
}
