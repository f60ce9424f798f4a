/**
 * The spans of a resolve job: `job` → `load`, `aggregate`, `write` (see docs in start-tracing.ts).
 *
 * They go through the OpenTelemetry API only. Until a provider is registered (tracing off, the
 * default) the API's no-op tracer answers: a span is one small non-recording object sharing the
 * invalid span context, with no ids, clock reads, attributes or export. Attributes are set only when a
 * span records, so the disabled path does not even build them.
 */
import { SpanStatusCode, trace, type Attributes, type Span } from '@opentelemetry/api';
import { packageVersion } from '../cli/package-version';

/** The instrumentation scope of Actor Core's spans. */
export const TRACER_NAME = 'actor-core';

const version = packageVersion();
// A ProxyTracer: it finds a provider registered after it was made, but then keeps that provider for
// good; startTracing calls resetTracer when it registers or unregisters one.
let tracer = trace.getTracer(TRACER_NAME, version);

/** Takes a fresh tracer from the global API (after the global provider changed). */
export function resetTracer(): void {
  tracer = trace.getTracer(TRACER_NAME, version);
}

/** Sets attributes when the span records (callers pass a function so that nothing is built otherwise). */
export function annotate(span: Span, attributes: () => Attributes): void {
  if (span.isRecording()) span.setAttributes(attributes());
}

/**
 * Runs `work` in a new active span named `name` (a child of the active span, if any); the span ends
 * when `work` settles and records a thrown error (then re-thrown).
 */
export function inSpan<T>(name: string, work: (span: Span) => Promise<T>): Promise<T> {
  return tracer.startActiveSpan(name, async (span) => {
    try {
      return await work(span);
    } catch (err) {
      if (span.isRecording()) {
        span.recordException(err instanceof Error ? err : String(err));
        span.setStatus({
          code: SpanStatusCode.ERROR,
          message: err instanceof Error ? err.message : String(err),
        });
      }
      throw err;
    } finally {
      span.end();
    }
  });
}
