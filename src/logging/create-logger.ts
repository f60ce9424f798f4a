/**
 * The process logger: pino, JSON lines on stdout, with `service`, `version`, `environment` and
 * `component` on every line, and secrets kept out (see redact.ts). Child loggers per job and actor:
 * child-loggers.ts.
 */
import pino, { type Logger } from 'pino';
import type { LogLevel } from '../../config/settings';
import { packageVersion } from '../cli/package-version';
import { CENSOR, REDACTED_PATHS, scrub, stripCredentials } from './redact';

export type { Logger } from 'pino';
export { REDACTED_PATHS } from './redact';
export { actorLogger, jobLogger } from './child-loggers';

export const SERVICE_NAME = 'actor-core';

export interface LoggerOptions {
  /** From the configuration: `settings.logLevel`. */
  level: LogLevel;
  /** What this process is (`worker`, `api`, `demo`). */
  component: string;
  /**
   * `settings.environment` (ENV). Optional so that older callers keep compiling; they log
   * `environment: "unknown"` rather than a guess, which a dashboard would believe.
   */
  environment?: string;
  /** `settings.logFields` (the guide's `logging.fields`): `service` and `version` of every line. */
  fields?: { service?: string | undefined; version?: string | undefined };
  /** Where lines go; default stdout. */
  destination?: pino.DestinationStream;
}

/** pino's error serializer, then credentials stripped from the message and stack (and any string err). */
function serializeError(err: unknown): unknown {
  if (typeof err === 'string') return stripCredentials(err);
  // The serialized error has pino's own prototype, which scrub() would not walk: copy it to a plain object.
  return err instanceof Error ? scrub({ ...pino.stdSerializers.err(err) }) : scrub(err);
}

/**
 * pino does not run the bindings formatter on child bindings, only its serializers, which go by exact
 * key: these are the URL fields we and our libraries use, so `logger.child({ url })` is covered too.
 */
const URL_FIELDS = ['url', 'databaseUrl', 'redisUrl', 'jwksUrl', 'endpoint', 'target', 'connectionString'];
const urlSerializers = Object.fromEntries(
  URL_FIELDS.map((key) => [
    key,
    (value: unknown) => (typeof value === 'string' ? stripCredentials(value) : value),
  ]),
);

export function createLogger(options: LoggerOptions): Logger {
  return pino(
    {
      level: options.level,
      base: {
        service: options.fields?.service ?? SERVICE_NAME,
        version: options.fields?.version ?? packageVersion(),
        environment: options.environment ?? 'unknown',
        component: options.component,
        pid: process.pid,
      },
      redact: { paths: REDACTED_PATHS, censor: CENSOR },
      serializers: { ...urlSerializers, err: serializeError },
      formatters: {
        bindings: (bindings) => scrub(bindings) as pino.Bindings,
        log: (object) => scrub(object) as Record<string, unknown>,
      },
      hooks: {
        // The message and its printf arguments: a URL in `logger.info('connecting to %s', url)`.
        logMethod(args, method) {
          const clean = args.map((arg) => (typeof arg === 'string' ? stripCredentials(arg) : arg));
          return method.apply(this, clean as Parameters<typeof method>);
        },
      },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    options.destination ?? pino.destination({ sync: false }),
  );
}
