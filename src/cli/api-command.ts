/**
 * `actor-core api`: the HTTP API (src/api) with the ops routes of src/sidecar when that module is
 * there; runs until SIGTERM/SIGINT, then drains and exits 0.
 */
import { InvalidArgumentError, type Command } from 'commander';
import { loadSettings } from '../../config/settings';
import type { OpsMountFactory } from '../api/ops-mount';
import { ActorCoreError } from '../core/errors';
import { createLogger, type Logger } from '../logging/create-logger';
import { addRegistryOptions, loadCliRegistries, type RegistryOptions } from './common-options';

/** The ops module: its `createApiOpsMount(context)`, else `createOpsMount(options)` fed the same context. */
const OPS_MODULE = '../sidecar/ops-mount';

function parsePort(text: string): number {
  const n = Number(text);
  if (!/^\d+$/.test(text) || n > 65535) throw new InvalidArgumentError('--port must be 0 to 65535.');
  return n;
}

/** The ops mount factory of src/sidecar, or undefined when this build has none. */
export async function loadOpsMount(
  logger: Logger,
  modulePath = OPS_MODULE,
): Promise<OpsMountFactory | undefined> {
  let loaded: Record<string, unknown>;
  try {
    // A variable path: the module is optional, and the build must not depend on it.
    loaded = (await import(modulePath)) as Record<string, unknown>;
  } catch (err) {
    // Only the module itself missing means "no ops"; one of its own imports missing is a real error.
    const code = (err as NodeJS.ErrnoException).code;
    const firstLine = String((err as Error).message).split('\n')[0]!;
    if (code === 'MODULE_NOT_FOUND' && firstLine.includes(`'${modulePath}'`)) {
      logger.info('no ops module: serving the API without /health, /ready, /metrics and Bull Board');
      return undefined;
    }
    throw err;
  }
  const factory = loaded.createApiOpsMount ?? loaded.createOpsMount;
  if (typeof factory !== 'function') {
    logger.warn(
      { module: modulePath },
      'the ops module exports no createApiOpsMount/createOpsMount: no ops routes',
    );
    return undefined;
  }
  return factory as OpsMountFactory;
}

export function addApiCommand(program: Command): void {
  addRegistryOptions(
    program
      .command('api')
      .description('serve the HTTP API (and /health, /ready, /metrics, Bull Board) until SIGTERM/SIGINT')
      .option('--port <port>', 'port to listen on (default PORT, 8080)', parsePort),
  )
    .addHelpText(
      'after',
      `
Environment: DATABASE_URL and REDIS_URL (required), JWT_SECRET or JWT_JWKS_URL (required), JWT_ISSUER,
JWT_AUDIENCE, HOST, PORT, BODY_LIMIT_BYTES, RATE_LIMIT_WINDOW_MS, RATE_LIMIT_MAX, OPEN_OPS_ENDPOINTS,
ENCRYPTION_KEY, QUEUE_NAME, QUEUE_PREFIX, REDIS_KEY_PREFIX, CACHE_TTL_SECONDS, LOG_LEVEL.

On SIGTERM or SIGINT the server stops accepting connections, lets requests in flight finish (at most
SHUTDOWN_TIMEOUT_MS), closes its connections and exits 0.`,
    )
    .action(async (options: RegistryOptions & { port?: number }) => {
      const settings = loadSettings();
      if (settings.security.jwtSecret === undefined && settings.security.jwksUrl === undefined) {
        throw new ActorCoreError(
          'INVALID_CONFIG',
          'set JWT_SECRET or JWT_JWKS_URL: the API verifies tokens',
          {
            field: 'JWT_SECRET',
          },
        );
      }
      const registries = loadCliRegistries(options);
      const logger = createLogger({
        level: settings.logLevel,
        component: 'api',
        environment: settings.environment,
        fields: settings.logFields,
      });
      const opsMount = await loadOpsMount(logger);
      // Loaded here, not at the top: other commands need not pay for Express, helmet and jose.
      const { startApiServer } = await import('../api/start-api-server');
      const server = await startApiServer({
        settings,
        registries,
        logger,
        ...(options.port === undefined ? {} : { port: options.port }),
        ...(opsMount === undefined ? {} : { opsMount }),
      });
      await new Promise<void>((resolve) => {
        const onSignal = (signal: NodeJS.Signals): void => {
          process.off('SIGTERM', onSignal);
          process.off('SIGINT', onSignal);
          server.stop(signal).then(resolve, (err: unknown) => {
            logger.error({ err: String(err) }, 'error while stopping');
            resolve();
          });
        };
        process.on('SIGTERM', onSignal);
        process.on('SIGINT', onSignal);
      });
      await new Promise<void>((resolve) => logger.flush(() => resolve()));
    });
}
