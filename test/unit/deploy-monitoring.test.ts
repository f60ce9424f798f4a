/**
 * deploy/prometheus and deploy/grafana checked against the code: the ports the configuration loads,
 * the routes the ops router serves, and the series, labels and queue states the metrics registry
 * really exports. promtool, when installed, checks the syntax as well.
 */
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { loadSettings } from '../../config/settings';
import { SNAPSHOT_ROUTE } from '../../src/api/routes/snapshot-route';
import { REQUEST_BUCKETS } from '../../src/metrics/create-metrics';
import { GUIDE_METRICS, WORKER_METRICS } from '../../src/metrics/metric-names';
import {
  exportedSeries,
  isOpsRoute,
  promqlMetricNames,
  promqlProblems,
  type ExportedSeries,
} from '../support/deploy-checks';
import * as d from '../support/deploy-files';

const exec = promisify(execFile);

interface Rule {
  alert?: string;
  expr: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}
interface Panel {
  type: string;
  id: number;
  datasource?: { uid: string };
  targets?: { expr: string; datasource?: { uid: string } }[];
}
interface ScrapeConfig {
  job_name: string;
  metrics_path?: string;
  static_configs?: { targets: string[] }[];
  dns_sd_configs?: { names: string[]; type: string; port: number }[];
}

const rules = d
  .yamlDoc<{ groups: { rules: Rule[] }[] }>('deploy/prometheus/alert-rules.yml')
  .groups.flatMap((g) => g.rules);
const prometheus = d.yamlDoc<{ rule_files: string[]; scrape_configs: ScrapeConfig[] }>(
  'deploy/prometheus/prometheus.yml',
);
const dashboard = JSON.parse(d.readText('deploy/grafana/dashboards/actor-core.json')) as { panels: Panel[] };
// Grafana's interval variable, as the range Prometheus would get.
const panelExprs = dashboard.panels.flatMap((p) =>
  (p.targets ?? []).map((t) => t.expr.replaceAll('$__rate_interval', '5m')),
);
const services = d.composeServices();
const composeSettings = (name: string): ReturnType<typeof loadSettings> =>
  loadSettings(d.composeServiceEnv(services[name]!));

let series: ExportedSeries;
beforeAll(async () => {
  series = await exportedSeries();
});

async function problemsOf(exprs: readonly string[]): Promise<string[]> {
  const out: string[] = [];
  for (const expr of exprs) out.push(...(await promqlProblems(expr, series)).map((p) => `${p}: ${expr}`));
  return out;
}

describe('Prometheus', () => {
  it('scrapes /metrics of the API port and of every worker sidecar found through DNS', async () => {
    const jobs = prometheus.scrape_configs;
    const targets = jobs.flatMap((j) => j.static_configs ?? []).flatMap((c) => c.targets);
    expect(targets).toEqual([`api:${composeSettings('api').server.port}`]);
    expect(services.api).toBeDefined();
    const dns = jobs.flatMap((j) => j.dns_sd_configs ?? []);
    const sidecarPort = composeSettings('worker').monitoring.workerSidecarPort;
    expect(dns).toEqual([expect.objectContaining({ names: ['worker'], type: 'A', port: sidecarPort })]);
    expect(services.worker).toBeDefined();
    for (const job of jobs) expect(await isOpsRoute(job.metrics_path ?? '/metrics')).toBe(true);
  });

  it('loads the alert rules that compose mounts next to its configuration', () => {
    const mounts = d.composeMounts(services.prometheus!);
    const configAt = [...mounts].find(([, from]) => from === './prometheus/prometheus.yml')![0];
    expect(prometheus.rule_files.length).toBeGreaterThan(0);
    for (const file of prometheus.rule_files) {
      expect(mounts.get(path.posix.join(path.posix.dirname(configAt), file))).toBe(`./prometheus/${file}`);
    }
  });

  it('alert rules read only exported series, by their own labels, with a severity and a summary', async () => {
    expect(rules.length).toBeGreaterThan(0);
    for (const rule of rules) {
      expect([rule.alert, rule.labels?.severity, typeof rule.annotations?.summary]).toEqual([
        expect.stringMatching(/^ActorCore[A-Za-z0-9]+$/),
        expect.stringMatching(/^(warning|critical)$/),
        'string',
      ]);
    }
    expect(await problemsOf(rules.map((r) => r.expr))).toEqual([]);
  });

  it('alerts on resolution time, cache hit rate, error rate and queue depth', () => {
    const uses = (...names: string[]): boolean =>
      rules.some((r) => names.every((n) => promqlMetricNames(r.expr).has(n)));
    expect(uses(`${WORKER_METRICS.actorResolveDuration}_bucket`)).toBe(true);
    expect(uses(GUIDE_METRICS.cacheHits, GUIDE_METRICS.cacheMisses)).toBe(true);
    expect(uses(GUIDE_METRICS.errorsTotal, GUIDE_METRICS.requestsTotal)).toBe(true);
    expect(uses(WORKER_METRICS.queueJobs)).toBe(true);
  });

  it("alerts when snapshot reads break the guide's sub-millisecond promise, on a histogram bucket", () => {
    const route = `route="${SNAPSHOT_ROUTE}"`;
    const rule = rules.find(
      (r) =>
        r.expr.includes(route) && promqlMetricNames(r.expr).has(`${GUIDE_METRICS.requestDuration}_bucket`),
    );
    expect(rule?.alert).toBe('ActorCoreSnapshotReadSlow');
    const threshold = Number(/>\s*([0-9.e-]+)\s*$/.exec(rule!.expr.trim())?.[1]);
    expect(threshold).toBe(0.001);
    expect(REQUEST_BUCKETS).toContain(threshold);
  });
});

describe('Grafana', () => {
  it('dashboard panels read only exported series from the provisioned datasource', async () => {
    const provisioned = d.yamlDoc<{ datasources: { uid: string; url: string }[] }>(
      'deploy/grafana/provisioning/datasources/prometheus.yml',
    );
    const uids = provisioned.datasources.map((s) => s.uid);
    expect(panelExprs.length).toBeGreaterThan(0);
    expect(await problemsOf(panelExprs)).toEqual([]);
    const panels = dashboard.panels.filter((p) => p.type !== 'row');
    expect(panels.filter((p) => !uids.includes(p.datasource?.uid ?? ''))).toEqual([]);
    expect(new Set(dashboard.panels.map((p) => p.id)).size).toBe(dashboard.panels.length);
    expect(provisioned.datasources[0]!.url).toBe(`http://prometheus:9090`);
    expect(services.prometheus).toBeDefined();
  });

  it('dashboard shows throughput, p50/p99 resolution, cache hits, errors, queue depth, pools, CPU, memory', () => {
    const reads = (name: string, also = /./): boolean =>
      panelExprs.some((e) => promqlMetricNames(e).has(name) && also.test(e));
    const resolveBuckets = `${WORKER_METRICS.actorResolveDuration}_bucket`;
    expect({
      throughput: reads(WORKER_METRICS.actorsTotal, /\brate\(/) && reads(GUIDE_METRICS.requestsTotal),
      p50: reads(resolveBuckets, /histogram_quantile\(0\.5,/),
      p99: reads(resolveBuckets, /histogram_quantile\(0\.99,/),
      cache: reads(GUIDE_METRICS.cacheHits) && reads(GUIDE_METRICS.cacheMisses),
      errors: reads(GUIDE_METRICS.errorsTotal),
      queue: reads(WORKER_METRICS.queueJobs, /by \(queue, state\)/),
      pool: reads(WORKER_METRICS.poolUtilization),
      cpu: reads('process_cpu_seconds_total'),
      memory: reads('process_resident_memory_bytes'),
    }).toEqual({
      throughput: true,
      p50: true,
      p99: true,
      cache: true,
      errors: true,
      queue: true,
      pool: true,
      cpu: true,
      memory: true,
    });
  });

  it('loads its provisioning and the dashboards folder from the compose mounts', () => {
    const mounts = d.composeMounts(services.grafana!);
    const provider = d.yamlDoc<{ providers: { options: { path: string } }[] }>(
      'deploy/grafana/provisioning/dashboards/actor-core.yml',
    );
    expect(mounts.get('/etc/grafana/provisioning')).toBe('./grafana/provisioning');
    expect(mounts.get(provider.providers[0]!.options.path)).toBe('./grafana/dashboards');
  });
});

// Debian's `prometheus` package ships promtool; scripts/install-services.sh installs it (CI runs it), and
// elsewhere the checks above do not depend on it.
const promtool = ['/usr/bin/promtool', '/usr/local/bin/promtool'].find((p) => fs.existsSync(p));
(promtool === undefined ? it.skip : it)(
  'promtool accepts the configuration, the alert rules and every dashboard query',
  async () => {
    await exec(promtool!, ['check', 'config', path.join(d.deployDir, 'prometheus', 'prometheus.yml')]);
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'actor-core-promql-'));
    try {
      const record = panelExprs.map((expr, i) => ({ record: `panel:query${i}`, expr }));
      fs.writeFileSync(
        path.join(tmp, 'panels.yml'),
        JSON.stringify({ groups: [{ name: 'panels', rules: record }] }),
      );
      await exec(promtool!, ['check', 'rules', path.join(tmp, 'panels.yml')]);
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  },
);
