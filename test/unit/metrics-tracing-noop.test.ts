/**
 * Tracing off (the default): nothing is registered, the SDK is never loaded, and a job's spans are the
 * API's no-op spans, cheap enough to leave on the job path.
 */
import { trace } from '@opentelemetry/api';

const loaded: string[] = [];
// Each factory runs only if the module is actually required.
jest.mock('@opentelemetry/sdk-trace-node', () => {
  loaded.push('sdk-trace-node');
  return jest.requireActual('@opentelemetry/sdk-trace-node');
});
jest.mock('@opentelemetry/exporter-trace-otlp-http', () => {
  loaded.push('exporter-trace-otlp-http');
  return jest.requireActual('@opentelemetry/exporter-trace-otlp-http');
});

import { annotate, inSpan, otlpTracesUrl, startTracing } from '../../src/tracing';

describe('tracing disabled', () => {
  it('registers nothing and loads no SDK', async () => {
    const tracing = await startTracing(
      { enabled: false, endpoint: 'http://jaeger:4318/v1/traces', serviceName: 'actor-core' },
      { serviceVersion: '0.0.0' },
    );
    expect(tracing).toBeUndefined();
    expect(loaded).toEqual([]);
    // The global provider is still the API's proxy with no delegate: its tracers make no-op spans.
    const span = trace.getTracer('probe').startSpan('probe');
    expect(span.isRecording()).toBe(false);
    expect(trace.isSpanContextValid(span.spanContext())).toBe(false);
  });

  it('gives inSpan a non-recording span and builds no attributes', async () => {
    const build = jest.fn(() => ({ a: 1 }));
    const value = await inSpan('job', async (span) => {
      expect(span.isRecording()).toBe(false);
      annotate(span, build);
      return 42;
    });
    expect(value).toBe(42);
    expect(build).not.toHaveBeenCalled();
    await expect(
      inSpan('job', async () => {
        throw new Error('passes through');
      }),
    ).rejects.toThrow('passes through');
  });

  it('costs about a microsecond per span: nothing notable next to a job of milliseconds', async () => {
    const n = 50_000;
    const work = async (): Promise<number> => 1;
    // Warm up both paths, then time them.
    for (let i = 0; i < 2000; i++) {
      await work();
      await inSpan('warm', work);
    }
    let start = process.hrtime.bigint();
    for (let i = 0; i < n; i++) await work();
    const bare = Number(process.hrtime.bigint() - start) / n;
    start = process.hrtime.bigint();
    for (let i = 0; i < n; i++) await inSpan('phase', work);
    const traced = Number(process.hrtime.bigint() - start) / n;
    const overheadNs = traced - bare;
    // A job has 4 spans; even 20 µs each would be < 0.1 ms against a job's tens of ms. Typically ~1 µs.
    expect(overheadNs).toBeLessThan(20_000);
  });
});

describe('otlpTracesUrl', () => {
  it('adds the traces path to a bare endpoint and keeps a full one', () => {
    expect(otlpTracesUrl(undefined)).toBe('http://localhost:4318/v1/traces');
    expect(otlpTracesUrl('http://jaeger:4318')).toBe('http://jaeger:4318/v1/traces');
    expect(otlpTracesUrl('http://jaeger:4318/v1/traces')).toBe('http://jaeger:4318/v1/traces');
    expect(otlpTracesUrl('https://otel.example/custom/path')).toBe('https://otel.example/custom/path');
  });
});
