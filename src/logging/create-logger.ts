/**
 * The process logger: pino, JSON lines on stdout, with the service name and version on every line and
 * secrets redacted wherever they appear in logged objects.
 */
import pino, { type Logger } from 'pino';
import type { LogLevel } from '../../config/settings';
import { packageVersion } from '../cli/package-version';

export type { Logger } from 'pino';

/** Paths whose values never reach a log line. */
export const REDACTED_PATHS = [
  'password',
  '*.password',
  'secret',
  '*.secret',
  'token',
  '*.token',
  'authorization',
  '*.authorization',
  'headers.authorization',
  'headers.cookie',
  'encryptionKey',
  'jwtSecret',
  '*.jwtSecret',
  '*.encryptionKey',
  'databaseUrl',
  '*.databaseUrl',
  'redisUrl',
  '*.redisUrl',
];

export interface LoggerOptions {
  level: LogLevel;
  /** What this process is (`worker`, `api`, `demo`). */
  component: string;
  /** Where lines go; default stdout. */
  destination?: pino.DestinationStream;
}

export function createLogger(options: LoggerOptions): Logger {
  return pino(
    {
      level: options.level,
      base: {
        service: 'actor-core',
        version: packageVersion(),
        component: options.component,
        pid: process.pid,
      },
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    options.destination ?? pino.destination({ sync: false }),
  );
}
