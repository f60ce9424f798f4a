/**
 * What the deployment tests check the files against, taken from the code itself: the ops router's
 * routes and their answers, the CLI's commands, what each command needs from the settings, the series
 * the metrics registry exports, the queue states BullMQ counts, and the metric names and labels a
 * PromQL expression reads.
 */
import type { AddressInfo, Server } from 'node:net';
import { QueueGetters } from 'bullmq';
import express from 'express';
import { Registry } from 'prom-client';
import request from 'supertest';
import type { Settings } from '../../config/settings';
import { parseKeyRing } from '../../src/adapters/crypto';
import { secretKey } from '../../src/api/auth/token-verifier';
import { openApiDocument } from '../../src/api/openapi';
import { buildProgram } from '../../src/cli/main';
import { createMetrics } from '../../src/metrics';
import { createOpsRouter, type OpsChecks } from '../../src/sidecar/ops-router';
import { memoryIo } from './cli';

/** The CLI's commands, declared (buildProgram only declares them: nothing runs). */
const cliCommands = buildProgram(memoryIo().io).commands;

/** The names of the CLI's commands. */
export const CLI_COMMANDS: ReadonlySet<string> = new Set(cliCommands.map((c) => c.name()));

/** The options in `[command, ...options]` that the CLI's command does not take (each would fail the run). */
export function unknownOptions([command, ...options]: readonly string[]): string[] {
  const declared = cliCommands.find((c) => c.name() === command);
  if (declared === undefined) return [`no command ${command}`];
  const known = new Set(declared.options.map((o) => o.long));
  return options.filter((o) => !known.has(o));
}

// ---- the ops router: what /health, /ready and /metrics are ----

export const healthyChecks: OpsChecks = { database: async () => undefined, cache: async () => undefined };
export const failingChecks: OpsChecks = {
  ...healthyChecks,
  database: async () => {
    throw new Error('down');
  },
};

/** The ops router mounted at the root, as the API (create-app.ts) and the worker sidecar mount it. */
export function opsApp(checks: OpsChecks = healthyChecks, draining = false): express.Express {
  const app = express();
  app.use(createOpsRouter({ checks, isDraining: () => draining, metrics: { registry: new Registry() } }));
  return app;
}

/** GET `p` answers 200 on a healthy ops router. */
export async function isOpsRoute(p: string): Promise<boolean> {
  return (await request(opsApp()).get(p)).status === 200;
}

/** The `route` labels of the API's routes: the OpenAPI document's paths in Express's `:param` form. */
export function apiRouteLabels(): Set<string> {
  const paths = openApiDocument().paths as Record<string, unknown>;
  return new Set(Object.keys(paths).map((p) => p.replace(/\{([^}]+)\}/g, ':$1')));
}

export async function listen(app: express.Express): Promise<{ server: Server; port: number }> {
  const server = await new Promise<Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  return { server, port: (server.address() as AddressInfo).port };
}

export function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}

/** A loopback port nothing listens on. */
export async function closedPort(): Promise<number> {
  const { server, port } = await listen(express());
  await closeServer(server);
  return port;
}

// ---- settings ----

/** The message `check` throws, if it throws. */
export function rejection(check: () => unknown): string[] {
  try {
    check();
    return [];
  } catch (err) {
    return [(err as Error).message];
  }
}

/** Why `command` would not start with these settings (src/cli/*-command.ts and what they check). */
export function startProblems(command: string, s: Settings): string[] {
  const problems: string[] = [];
  if (s.databaseUrl === undefined) problems.push('no DATABASE_URL');
  const queues = command === 'api' || command === 'worker' || command === 'enqueue';
  if (queues && s.redisUrl === undefined) problems.push('no REDIS_URL');
  if (command === 'api' && s.security.jwtSecret === undefined && s.security.jwksUrl === undefined) {
    problems.push('no JWT_SECRET or JWT_JWKS_URL');
  }
  // What the API and the database commands check when they start.
  problems.push(...rejection(() => s.security.jwtSecret !== undefined && secretKey(s.security.jwtSecret)));
  problems.push(...rejection(() => s.encryptionKey !== undefined && parseKeyRing(s.encryptionKey)));
  // Probes and Prometheus carry no token (the commands that run to completion serve no endpoints).
  const serves = command === 'api' || command === 'worker';
  if (serves && !s.security.openOpsEndpoints) problems.push('ops endpoints need a token');
  return problems;
}

// ---- metrics and PromQL ----

const PROMQL_WORDS = new Set([
  'and',
  'or',
  'unless',
  'by',
  'without',
  'on',
  'ignoring',
  'group_left',
  'group_right',
  'bool',
  'offset',
  'inf',
  'nan',
]);

/**
 * The metric names a PromQL expression reads. Strings, label matchers, grouping clauses, ranges and
 * Grafana variables are removed first; what remains that is an identifier not followed by `(` (a
 * function) and not a keyword is a metric name.
 */
export function promqlMetricNames(expr: string): Set<string> {
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'/g, '""')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\$\{?\w+\}?/g, ' ');
  const names = new Set<string>();
  for (const m of stripped.matchAll(/([a-zA-Z_:][a-zA-Z0-9_:]*)(\s*\()?/g)) {
    const [, name, call] = m;
    if (call !== undefined || PROMQL_WORDS.has(name!.toLowerCase())) continue;
    // A number's exponent (1e-3) or a duration unit is not a name.
    const before = stripped[m.index! - 1];
    if (before !== undefined && /[0-9.]/.test(before)) continue;
    names.add(name!);
  }
  return names;
}

/** The selectors `metric{matchers}` of an expression: the metric and its matchers' label names and values. */
export function promqlSelectors(expr: string): { metric: string; label: string; value: string }[] {
  const out: { metric: string; label: string; value: string }[] = [];
  for (const m of expr.matchAll(/([a-zA-Z_:][a-zA-Z0-9_:]*)\{([^}]*)\}/g)) {
    for (const l of m[2]!.matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)\s*(?:=~|!~|!=|=)\s*"([^"]*)"/g)) {
      out.push({ metric: m[1]!, label: l[1]!, value: l[2]! });
    }
  }
  return out;
}

export interface ExportedSeries {
  /** Every series name a scrape can show: histograms as _bucket, _sum and _count. */
  names: Set<string>;
  /** The label names of each series (le on buckets). */
  labels: Map<string, Set<string>>;
}

/** The series one process exports: a fresh `createMetrics()` registry, default metrics included. */
export async function exportedSeries(): Promise<ExportedSeries> {
  const metrics = createMetrics();
  try {
    const names = new Set<string>();
    const labels = new Map<string, Set<string>>();
    for (const m of await metrics.registry.getMetricsAsJSON()) {
      const own = (metrics.registry.getSingleMetric(m.name) as unknown as { labelNames?: string[] })
        .labelNames;
      const base = new Set(own ?? []);
      const suffixes =
        String(m.type) === 'histogram'
          ? ['_bucket', '_sum', '_count']
          : String(m.type) === 'summary'
            ? ['', '_sum', '_count']
            : [''];
      for (const suffix of suffixes) {
        names.add(`${m.name}${suffix}`);
        labels.set(`${m.name}${suffix}`, suffix === '_bucket' ? new Set([...base, 'le']) : base);
      }
    }
    return { names, labels };
  } finally {
    metrics.registry.clear();
  }
}

/** The states `Queue.getJobCounts()` reports: the `state` label of actor_core_queue_jobs. */
export function bullmqJobStates(): Set<string> {
  const getters = QueueGetters.prototype as unknown as { sanitizeJobTypes(types: string[]): string[] };
  return new Set(getters.sanitizeJobTypes.call(undefined, []));
}

/**
 * Why `expr` does not fit the code: metric names the registry does not export, label names those
 * series lack, `route` values neither the ops router nor the API serves, `state` values BullMQ does
 * not report.
 */
export async function promqlProblems(expr: string, series: ExportedSeries): Promise<string[]> {
  const problems: string[] = [];
  const names = promqlMetricNames(expr);
  if (names.size === 0) problems.push('reads no metric');
  for (const name of names) if (!series.names.has(name)) problems.push(`${name} is not exported`);
  const states = bullmqJobStates();
  const apiRoutes = apiRouteLabels();
  for (const { metric, label, value } of promqlSelectors(expr)) {
    if (series.labels.get(metric)?.has(label) !== true) problems.push(`${metric} has no label ${label}`);
    for (const alternative of value.split('|')) {
      if (label === 'route' && !apiRoutes.has(alternative) && !(await isOpsRoute(alternative)))
        problems.push(`route ${alternative} is not a route of the API or the ops router`);
      if (label === 'state' && !states.has(alternative))
        problems.push(`state ${alternative} is not a BullMQ state`);
    }
  }
  return problems;
}
