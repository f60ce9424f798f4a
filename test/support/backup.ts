/**
 * For the backup and restore tests: running deploy/backup.sh and deploy/restore.sh as real processes,
 * a checksum of every row of every table (and of the schema's definitions), and a stand-in for an S3
 * endpoint that checks AWS Signature V4 and keeps the bytes it receives.
 */
import { createHash, createHmac } from 'node:crypto';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import type { Redis } from 'ioredis';
import type pg from 'pg';
import type { SnapshotRecord } from '../../src/adapters/snapshot-record';
import type { LoadedRegistries } from '../../src/registry';
import { runProcess, type ProcessRun } from './cli';
import { snapshotRecordOf } from '../../bench/support';
import { repoRoot } from './shared';

export const BACKUP_SCRIPT = path.join(repoRoot, 'deploy', 'backup.sh');
export const RESTORE_SCRIPT = path.join(repoRoot, 'deploy', 'restore.sh');

/** Variables of this machine that would change what the scripts do: the tests set what they need. */
const SCRIPT_VARIABLES =
  /^(DATABASE_URL|REDIS_URL|REDIS_KEY_PREFIX|QUEUE_NAME|QUEUE_PREFIX|BACKUP_.*|RESTORE_.*|S3_.*|AWS_.*|PG_BIN_DIR|PG[A-Z]+)$/;

export type ScriptRun = ProcessRun;

/** Runs a script to its end (killed after `timeoutMs`), with only `env` of the variables it reads. */
export function runScript(
  script: string,
  args: readonly string[],
  env: Record<string, string | undefined>,
  timeoutMs = 120_000,
): Promise<ScriptRun> {
  const base = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !SCRIPT_VARIABLES.test(name)),
  );
  const childEnv = { ...base, ...env };
  for (const [name, value] of Object.entries(childEnv)) if (value === undefined) delete childEnv[name];
  return runProcess('bash', [script, ...args], childEnv, timeoutMs);
}

export const sha256 = (data: Buffer | string): string => createHash('sha256').update(data).digest('hex');

/** The keys matching `pattern` (SCAN), sorted. */
export async function scanKeys(redis: Redis, pattern: string): Promise<string[]> {
  const found: string[] = [];
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
    found.push(...keys);
    cursor = next;
  } while (cursor !== '0');
  return found.sort();
}

/** The snapshot of each standard actor line, resolved by the core, as the stores keep it. */
export function snapshotRecords(lines: readonly string[], registries: LoadedRegistries): SnapshotRecord[] {
  return lines.map((line) => snapshotRecordOf(line, registries));
}

/** The non-empty lines of a script's output. */
export function linesOf(text: string): string[] {
  return text.split('\n').filter((line) => line !== '');
}

const USER_SCHEMAS = `n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_%'`;

/** Every table and sequence outside the system schemas, with a table's primary key columns. */
const LIST_RELATIONS = `
  SELECT format('%I.%I', n.nspname, c.relname) AS name, c.relkind AS kind,
    (SELECT string_agg(format('t.%I', a.attname), ', ' ORDER BY k.ord)
     FROM pg_index i
     CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, ord)
     JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
     WHERE i.indrelid = c.oid AND i.indisprimary) AS key
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
  WHERE c.relkind IN ('r', 'p', 'S') AND ${USER_SCHEMAS}
  ORDER BY 1`;

/** The definitions a restore must bring back besides rows: columns, constraints, indexes, triggers, functions. */
const SCHEMA_DEFINITIONS = `
  SELECT md5(string_agg(d, E'\\n' ORDER BY d)) AS sum, count(*)::int AS n FROM (
    SELECT format('column %I.%I.%I %s %s %s %s', table_schema, table_name, column_name, data_type,
                  is_nullable, coalesce(column_default, ''), is_identity) AS d
    FROM information_schema.columns WHERE table_schema NOT IN ('pg_catalog', 'information_schema')
    UNION ALL
    SELECT format('constraint %s %I %s', c.conrelid::regclass, c.conname, pg_get_constraintdef(c.oid))
    FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace WHERE ${USER_SCHEMAS}
    UNION ALL
    SELECT 'index ' || indexdef FROM pg_indexes WHERE schemaname NOT IN ('pg_catalog', 'information_schema')
    UNION ALL
    SELECT 'trigger ' || pg_get_triggerdef(t.oid) FROM pg_trigger t WHERE NOT t.tgisinternal
    UNION ALL
    SELECT 'function ' || pg_get_functiondef(p.oid)
    FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE ${USER_SCHEMAS}
  ) definitions`;

/**
 * `{ "<schema>.<table>": "<rows> rows <md5>" }` for every table (drizzle's migrations table included),
 * `"<sequence>": "last_value … is_called …"` for every sequence, and `"(schema)"` for the definitions.
 * A row's digest is md5 of its text form; a table's is md5 of those in primary key order.
 */
export async function databaseChecksums(db: pg.Pool | pg.Client): Promise<Record<string, string>> {
  const relations = await db.query<{ name: string; kind: string; key: string | null }>(LIST_RELATIONS);
  const sums: Record<string, string> = {};
  for (const { name, kind, key } of relations.rows) {
    if (kind === 'S') {
      const seq = await db.query<{ last_value: string; is_called: boolean }>(
        `SELECT last_value, is_called FROM ${name}`,
      );
      sums[name] = `last_value ${seq.rows[0]!.last_value} is_called ${seq.rows[0]!.is_called}`;
      continue;
    }
    const result = await db.query<{ n: number; sum: string }>(
      `SELECT count(*)::int AS n, md5(coalesce(string_agg(md5(t::text), '' ORDER BY ${key ?? 't::text'}), '')) AS sum
       FROM ${name} t`,
    );
    sums[name] = `${result.rows[0]!.n} rows ${result.rows[0]!.sum}`;
  }
  const definitions = await db.query<{ n: number; sum: string }>(SCHEMA_DEFINITIONS);
  sums['(schema)'] = `${definitions.rows[0]!.n} definitions ${definitions.rows[0]!.sum}`;
  return sums;
}

// ---------------------------------------------------------------------------------------------------
// A stand-in for an S3-compatible endpoint (MinIO, AWS): not S3, but it checks what S3 checks of a PUT.

export interface ReceivedObject {
  method: string;
  /** `/<bucket>/<key>` (path-style). */
  path: string;
  body: Buffer;
  /** The Authorization header is AWS4-HMAC-SHA256 and its signature verifies with the secret key. */
  signatureValid: boolean;
  /** x-amz-content-sha256 (the signed payload hash) is the SHA-256 of the body received. */
  payloadHashValid: boolean;
  authorization: string;
}

export interface S3StandIn {
  endpoint: string;
  received: ReceivedObject[];
  /** What a GET of `/<bucket>/<key>` returns: each accepted PUT's body (a test may change them). */
  objects: Map<string, Buffer>;
  close(): Promise<void>;
}

const hmac = (key: Buffer | string, data: string): Buffer => createHmac('sha256', key).update(data).digest();
/** Verifies a SigV4 header signature (as S3 does for a single-chunk PUT: the payload hash is the header's). */
function verifySignature(req: http.IncomingMessage, secretKey: string, region: string): boolean {
  const match =
    /^AWS4-HMAC-SHA256 Credential=[^/]+\/(\d{8})\/([^/]+)\/s3\/aws4_request, ?SignedHeaders=([a-z0-9;-]+), ?Signature=([0-9a-f]{64})$/.exec(
      req.headers.authorization ?? '',
    );
  if (match === null) return false;
  const [, date, signedRegion, signedHeaders, signature] = match as unknown as [
    string,
    string,
    string,
    string,
    string,
  ];
  const amzDate = req.headers['x-amz-date'];
  const payloadHash = req.headers['x-amz-content-sha256'];
  if (signedRegion !== region || typeof amzDate !== 'string' || typeof payloadHash !== 'string') return false;
  const names = signedHeaders.split(';');
  if (!names.includes('host') || !names.includes('x-amz-date') || !names.includes('x-amz-content-sha256'))
    return false;
  const [pathname, query = ''] = (req.url ?? '').split('?');
  const canonicalHeaders = names
    .map((name) => `${name}:${String(req.headers[name] ?? '').trim()}\n`)
    .join('');
  const canonicalRequest = [req.method, pathname, query, canonicalHeaders, signedHeaders, payloadHash].join(
    '\n',
  );
  const stringToSign = [
    'AWS4-HMAC-SHA256',
    amzDate,
    `${date}/${region}/s3/aws4_request`,
    sha256(canonicalRequest),
  ].join('\n');
  const key = hmac(hmac(hmac(hmac(`AWS4${secretKey}`, date), region), 's3'), 'aws4_request');
  return hmac(key, stringToSign).toString('hex') === signature;
}

/**
 * Records every request. A PUT is answered `status` (200, or e.g. 403 to play a refused upload) and,
 * when accepted and signed, stored; a signed GET returns the stored object, else 404 NoSuchKey (403
 * when the signature does not verify).
 */
export async function startS3StandIn(options: {
  secretKey: string;
  region: string;
  status?: number;
}): Promise<S3StandIn> {
  const received: ReceivedObject[] = [];
  const objects = new Map<string, Buffer>();
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const request: ReceivedObject = {
        method: req.method ?? '',
        path: req.url ?? '',
        body,
        signatureValid: verifySignature(req, options.secretKey, options.region),
        payloadHashValid: req.headers['x-amz-content-sha256'] === sha256(body),
        authorization: req.headers.authorization ?? '',
      };
      received.push(request);
      if (request.method === 'GET') {
        const stored = objects.get(request.path);
        const code = !request.signatureValid ? 403 : stored === undefined ? 404 : 200;
        res.writeHead(code, {
          'content-type': code === 200 ? 'application/octet-stream' : 'application/xml',
        });
        res.end(
          code === 200
            ? stored
            : `<Error><Code>${code === 404 ? 'NoSuchKey' : 'AccessDenied'}</Code></Error>`,
        );
        return;
      }
      const status = options.status ?? 200;
      if (status === 200 && request.signatureValid && request.payloadHashValid)
        objects.set(request.path, body);
      res.writeHead(status, { 'content-type': 'application/xml' });
      res.end(
        status === 200 ? '' : '<Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>',
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    received,
    objects,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
