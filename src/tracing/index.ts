/** OpenTelemetry tracing: the job's spans, and the OTLP export when enabled. */
export { annotate, inSpan, TRACER_NAME } from './spans';
export { DEFAULT_OTLP_TRACES_URL, otlpTracesUrl, startTracing } from './start-tracing';
export type { Tracing, TracingOptions } from './start-tracing';
