/**
 * Exports spans over OTLP/HTTP when `settings.monitoring.tracing.enabled` (OTEL_ENABLED): a
 * NodeTracerProvider with the service's name and version as its resource and a BatchSpanProcessor
 * (spans leave in batches, off the job path), registered globally with an AsyncLocalStorage context
 * so that child spans find their parents across awaits.
 *
 * Disabled (the default), nothing is registered and the OpenTelemetry SDK is not even loaded: the
 * spans of src/tracing/spans.ts then go to the API's no-op tracer.
 *
 * Jaeger: the guide's `http://jaeger:14268/api/traces` is Jaeger's legacy Thrift collector. Jaeger
 * (1.35 and later) takes OTLP on port 4318: OTEL_EXPORTER_OTLP_ENDPOINT=http://jaeger:4318/v1/traces
 * (a bare `http://jaeger:4318` also works: the signal path is added when the URL has no path).
 */
import type { SpanExporter } from '@opentelemetry/sdk-trace-base';
import type { MonitoringSettings } from '../../config/settings';
import { resetTracer } from './spans';

export interface TracingOptions {
  /** resource `service.version`. */
  serviceVersion: string;
  /** Replaces the OTLP exporter (tests: an InMemorySpanExporter). */
  exporter?: SpanExporter;
  /** `simple` exports each span as it ends (tests); default `batch`. */
  processor?: 'batch' | 'simple';
}

export interface Tracing {
  /** Where spans go (the OTLP URL, or "custom exporter"). */
  readonly target: string;
  /** Flushes the spans still buffered, then unregisters the provider. Idempotent. */
  shutdown(): Promise<void>;
}

export const DEFAULT_OTLP_TRACES_URL = 'http://localhost:4318/v1/traces';

/** The OTLP/HTTP traces URL of an endpoint: `/v1/traces` is added to a URL without a path. */
export function otlpTracesUrl(endpoint: string | undefined): string {
  if (endpoint === undefined) return DEFAULT_OTLP_TRACES_URL;
  const url = new URL(endpoint);
  if (url.pathname === '' || url.pathname === '/') url.pathname = '/v1/traces';
  return url.toString();
}

let active: Tracing | undefined;

/**
 * Starts exporting when enabled; undefined when tracing is off. One provider per process: while one is
 * active, a second call returns it (so two components of one process may both ask).
 */
export async function startTracing(
  settings: MonitoringSettings['tracing'],
  options: TracingOptions,
): Promise<Tracing | undefined> {
  if (!settings.enabled) return undefined;
  if (active !== undefined) return active;
  // Loaded here, not at the top: a process with tracing off never pays for the SDK.
  const [api, node, base, resources, semconv] = await Promise.all([
    import('@opentelemetry/api'),
    import('@opentelemetry/sdk-trace-node'),
    import('@opentelemetry/sdk-trace-base'),
    import('@opentelemetry/resources'),
    import('@opentelemetry/semantic-conventions'),
  ]);
  const url = otlpTracesUrl(settings.endpoint);
  const exporter =
    options.exporter ??
    new (await import('@opentelemetry/exporter-trace-otlp-http')).OTLPTraceExporter({ url });
  const processor =
    options.processor === 'simple'
      ? new base.SimpleSpanProcessor(exporter)
      : new base.BatchSpanProcessor(exporter);
  const provider = new node.NodeTracerProvider({
    resource: resources.resourceFromAttributes({
      [semconv.ATTR_SERVICE_NAME]: settings.serviceName,
      [semconv.ATTR_SERVICE_VERSION]: options.serviceVersion,
    }),
    spanProcessors: [processor],
  });
  provider.register();
  resetTracer();
  let stopping: Promise<void> | undefined;
  const tracing: Tracing = {
    target: options.exporter === undefined ? url : 'custom exporter',
    shutdown: () =>
      (stopping ??= (async () => {
        try {
          await provider.shutdown();
        } finally {
          // Back to the no-op API, so that a later startTracing (tests) can register again.
          api.trace.disable();
          api.context.disable();
          api.propagation.disable();
          resetTracer();
          if (active === tracing) active = undefined;
        }
      })()),
  };
  active = tracing;
  return tracing;
}
