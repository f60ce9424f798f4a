/**
 * The queue settings producers and workers must agree on: their defaults, for services that build a
 * producer without loading the configuration, and their check. A producer given a queue without its
 * prefix would enqueue under BullMQ's own prefix (`bull`), where no worker looks.
 */
import type { QueueSettings } from '../../config/settings';
import { describeValue } from '../core/check';
import { ActorCoreError } from '../core/errors';

/**
 * The defaults of config/default.yaml (a unit test keeps them equal), kept here so that the library
 * does not load the configuration code.
 */
export const DEFAULT_QUEUE_SETTINGS: Readonly<QueueSettings> = Object.freeze({
  name: 'actor-resolve',
  prefix: '{actor-core}',
  batchSize: 500,
  attempts: 5,
  backoffMs: 1000,
});

export const DEFAULT_QUEUE_NAME = DEFAULT_QUEUE_SETTINGS.name;
export const DEFAULT_QUEUE_PREFIX = DEFAULT_QUEUE_SETTINGS.prefix;

/** The largest bulk job, as the configuration allows (`queue.batch_size`). */
export const MAX_BATCH_SIZE = 10_000;

// As config/schema.ts checks them: BullMQ joins prefix, name and job ids with ':'.
const TEXT_FIELDS = {
  name: { pattern: /^[A-Za-z0-9_.-]+$/, what: 'letters, digits, _ . -' },
  prefix: { pattern: /^[A-Za-z0-9_.{}-]+$/, what: 'letters, digits, _ . - { }' },
} as const;

const INTEGER_FIELDS = {
  batchSize: { min: 1, max: MAX_BATCH_SIZE },
  attempts: { min: 1, max: 100 },
  backoffMs: { min: 1, max: 3_600_000 },
} as const;

/** The settings, checked: INVALID_CONFIG naming the first field that is missing, unknown or wrong. */
export function checkQueueSettings(value: unknown, field = 'queue'): QueueSettings {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw invalid(field, `${field} must be the queue settings object, got ${describeValue(value)}`);
  }
  const given = value as Record<string, unknown>;
  for (const key of Object.keys(given)) {
    if (!(key in TEXT_FIELDS) && !(key in INTEGER_FIELDS)) {
      throw invalid(`${field}.${key}`, `${field}.${key} is not a queue setting`);
    }
  }
  const text = (key: keyof typeof TEXT_FIELDS): string => {
    const raw = given[key];
    const { pattern, what } = TEXT_FIELDS[key];
    if (raw === undefined) {
      throw invalid(
        `${field}.${key}`,
        `${field}.${key} is missing: it must be the workers' queue ${key} (default ${JSON.stringify(DEFAULT_QUEUE_SETTINGS[key])})`,
      );
    }
    if (typeof raw !== 'string' || !pattern.test(raw)) {
      throw invalid(`${field}.${key}`, `${field}.${key} must be ${what}, got ${describeValue(raw)}`);
    }
    return raw;
  };
  const integer = (key: keyof typeof INTEGER_FIELDS): number => {
    const raw = given[key];
    const { min, max } = INTEGER_FIELDS[key];
    if (raw === undefined) {
      throw invalid(
        `${field}.${key}`,
        `${field}.${key} is missing: it must be an integer from ${min} to ${max} (default ${DEFAULT_QUEUE_SETTINGS[key]})`,
      );
    }
    if (typeof raw !== 'number' || !Number.isSafeInteger(raw) || raw < min || raw > max) {
      throw invalid(
        `${field}.${key}`,
        `${field}.${key} must be an integer from ${min} to ${max}, got ${describeValue(raw)}`,
      );
    }
    return raw;
  };
  return {
    name: text('name'),
    prefix: text('prefix'),
    batchSize: integer('batchSize'),
    attempts: integer('attempts'),
    backoffMs: integer('backoffMs'),
  };
}

function invalid(field: string, message: string): ActorCoreError {
  return new ActorCoreError('INVALID_CONFIG', message, { field });
}
