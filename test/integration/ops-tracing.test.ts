/**
 * Tracing on: one job of a worker (in this process) gives the span tree job → load, aggregate, write,
 * with the service's resource; a malformed job gives an error span; and the real OTLP/HTTP exporter
 * delivers spans to a collector's /v1/traces.
 */
import { spawn } from 'node:child_process';
import * as http from 'node:http';
import * as path from 'node:path';
import type { AddressInfo } from 'node:net';
import { InMemorySpanExporter, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { SpanStatusCode } from '@opentelemetry/api';
import pino from 'pino';
import { GUIDE_METRICS } from '../../src/metrics';
import { startTracing, type Tracing } from '../../src/tracing';
import { startWorkerProcess, type WorkerProcess } from '../../src/worker/worker-process';
import {
  clusterDatabase,
  closeClusters,
  seedWorkload,
  sleep,
  TestCluster,
  waitFor,
} from '../support/cluster';
import { requiredEnv } from '../support/databases';
import type { TestDatabase } from '../support/pg';
import { sampleValue } from '../support/prometheus-text';
import { repoRoot } from '../support/shared';

jest.setTimeout(60_000);

let db: TestDatabase;
let ids: string[];
let worker: WorkerProcess | undefined;
let tracing: Tracing | undefined;

beforeAll(async () => {
  db = await clusterDatabase('ops_tracing');
  ids = await seedWorkload(db, 12, 4);
});
afterEach(async () => {
  await worker?.stop('test done');
  worker = undefined;
  await tracing?.shutdown();
  tracing = undefined;
  await closeClusters();
});
afterAll(async () => {
  await db?.close();
});

async function startInProcessWorker(cluster: TestCluster): Promise<WorkerProcess> {
  return startWorkerProcess({
    // The test registers the provider itself (with an in-memory exporter): the worker's own stays off.
    settings: { ...cluster.settings, monitoring: { ...cluster.settings.monitoring, workerSidecarPort: 0 } },
    databaseUrl: db.url,
    redisUrl: requiredEnv('REDIS_URL'),
    registries: db.registries,
    logger: pino({ level: 'silent' }),
  });
}

const parentOf = (span: ReadableSpan): string | undefined => span.parentSpanContext?.spanId;
const toMs = ([s, ns]: [number, number]): number => s * 1000 + ns / 1e6;
/**
 * Span times are float milliseconds (timeOrigin + performance.now()) anchored per span, so two spans'
 * ends and starts may disagree by a fraction of a millisecond.
 */
const CLOCK_SLACK_MS = 1;

describe('job tracing', () => {
  it('gives one job the span tree job → load, aggregate, write', async () => {
    const exporter = new InMemorySpanExporter();
    tracing = await startTracing(
      { enabled: true, endpoint: undefined, serviceName: 'actor-core-test' },
      { serviceVersion: '9.9.9', exporter, processor: 'simple' },
    );
    const cluster = await TestCluster.open(db, 'ops-tracing');
    worker = await startInProcessWorker(cluster);
    await cluster.producer.allQueueEvents();
    await sleep(200);
    const { jobIds } = await cluster.producer.enqueueResolve(ids.slice(0, 10), {
      batchSize: 10,
      force: true,
    });
    await cluster.producer.waitForResults(jobIds, 30_000);
    await waitFor('the job span', () => exporter.getFinishedSpans().some((s) => s.name === 'job'));

    const spans = exporter.getFinishedSpans();
    const job = spans.find((s) => s.name === 'job')!;
    expect(parentOf(job)).toBeUndefined();
    expect(job.resource.attributes).toMatchObject({
      'service.name': 'actor-core-test',
      'service.version': '9.9.9',
    });
    expect(job.attributes).toMatchObject({
      'messaging.system': 'bullmq',
      'messaging.destination.name': cluster.settings.queue.name,
      'messaging.message.id': jobIds[0],
      'actor_core.actors': 10,
      'actor_core.actors.written': 10,
    });
    const children = spans.filter((s) => parentOf(s) === job.spanContext().spanId);
    expect(children.map((s) => s.name)).toEqual(['load', 'aggregate', 'write']);
    for (const child of children) {
      expect(child.spanContext().traceId).toBe(job.spanContext().traceId);
      expect(toMs(child.startTime)).toBeGreaterThanOrEqual(toMs(job.startTime) - CLOCK_SLACK_MS);
      expect(toMs(child.endTime)).toBeLessThanOrEqual(toMs(job.endTime) + CLOCK_SLACK_MS);
      expect(child.status.code).not.toBe(SpanStatusCode.ERROR);
    }
    // In order: each phase starts after the one before it ended (to the SDK clock's precision).
    const [load, aggregate, write] = children as [ReadableSpan, ReadableSpan, ReadableSpan];
    expect(toMs(load.startTime)).toBeLessThan(toMs(aggregate.startTime) + CLOCK_SLACK_MS);
    expect(toMs(aggregate.startTime)).toBeLessThan(toMs(write.startTime) + CLOCK_SLACK_MS);
    expect(load.attributes).toMatchObject({
      'actor_core.actors.requested': 10,
      'actor_core.actors.loaded': 10,
    });
    expect(aggregate.attributes).toMatchObject({ 'actor_core.actors': 10, 'actor_core.chunks': 1 });
    expect(write.attributes).toMatchObject({ 'actor_core.snapshots.written': 10 });
    // Nothing else was traced: one job, four spans.
    expect(spans).toHaveLength(4);
  });

  it('marks a failed job’s span as an error and counts the failure', async () => {
    const exporter = new InMemorySpanExporter();
    tracing = await startTracing(
      { enabled: true, endpoint: undefined, serviceName: 'actor-core-test' },
      { serviceVersion: '9.9.9', exporter, processor: 'simple' },
    );
    const cluster = await TestCluster.open(db, 'ops-tracing-fail');
    worker = await startInProcessWorker(cluster);
    await cluster.queue.add('resolve', { bogus: true } as never, { attempts: 1 });
    await waitFor('the failed job span', () => exporter.getFinishedSpans().some((s) => s.name === 'job'));
    const [job] = exporter.getFinishedSpans();
    expect(job!.status.code).toBe(SpanStatusCode.ERROR);
    expect(job!.events.map((e) => e.name)).toContain('exception');
    const text = await worker.metrics.text();
    expect(sampleValue(text, GUIDE_METRICS.errorsTotal, { code: 'INVALID_JOB' })).toBe(1);
  });
});

describe('the OTLP/HTTP export', () => {
  // In a child process on dist/: the exporter loads node:http with a native dynamic import(), which
  // jest's module sandbox cannot run.
  it('sends the spans to the collector’s /v1/traces (the path is added to a bare endpoint)', async () => {
    const received: { path: string | undefined; body: Buffer }[] = [];
    const collector = http.createServer((req, res) => {
      const parts: Buffer[] = [];
      req.on('data', (part: Buffer) => parts.push(part));
      req.on('end', () => {
        received.push({ path: req.url, body: Buffer.concat(parts) });
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((resolve) => collector.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = collector.address() as AddressInfo;
      const script = `
        const { inSpan, startTracing } = require(${JSON.stringify(path.join(repoRoot, 'dist/src/tracing'))});
        (async () => {
          const tracing = await startTracing(
            { enabled: true, endpoint: process.argv[1], serviceName: 'actor-core-otlp-test' },
            { serviceVersion: '1.2.3' },
          );
          await inSpan('job', () => inSpan('load', async () => undefined));
          await tracing.shutdown(); // flushes the batch processor
          process.stdout.write(tracing.target);
        })();`;
      const child = await runNode(['-e', script, `http://127.0.0.1:${port}`]);
      expect(child).toEqual({ code: 0, stdout: `http://127.0.0.1:${port}/v1/traces`, stderr: '' });
      expect(received).toHaveLength(1);
      expect(received[0]!.path).toBe('/v1/traces');
      const body = received[0]!.body.toString('latin1');
      expect(body).toContain('actor-core-otlp-test');
      expect(body).toContain('load');
    } finally {
      await new Promise((resolve) => collector.close(resolve));
    }
  });
});

function runNode(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (text: string) => (stdout += text));
    child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}
