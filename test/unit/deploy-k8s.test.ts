/**
 * deploy/k8s checked against the code and the production guide: the variables the configuration reads
 * and the settings it loads from each container's environment (ports, shutdown timeout, threads), the
 * routes the ops router serves, the CLI's commands, the guide's rolling strategy and resources, and the
 * Redis keys BullMQ keeps the waiting jobs of the configured queues under.
 */
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { QueueKeys } from 'bullmq';
import request from 'supertest';
import { parse as parseYaml } from 'yaml';
import { DEFAULT_OPS, loadSettings, type Settings } from '../../config/settings';
import { interactiveQueueName, PRIORITY_VALUES } from '../../src/queue/resolve-jobs';
import {
  CLI_COMMANDS,
  exportedSeries,
  healthyChecks,
  opsApp,
  promqlProblems,
  startProblems,
  unknownOptions,
} from '../support/deploy-checks';
import * as d from '../support/deploy-files';
import { configProblems } from '../support/config';
import { repoRoot, sharedDir } from '../support/shared';

const dir = 'deploy/k8s';
const kustomization = d.yamlDoc<{ resources: string[]; images: { name: string }[] }>(
  `${dir}/kustomization.yaml`,
);
const applied = d.k8sObjects(kustomization.resources.map((r) => `${dir}/${r}`));
// The example Secret stands in for the real one: the pods reference its keys.
const objects = [...applied, ...d.k8sObjects([`${dir}/secret.example.yaml`])];
const secret = d.findObject(objects, 'Secret', 'actor-core-secrets');
const deployments = applied.filter((o) => o.kind === 'Deployment');
interface CronJobSpec {
  schedule: string;
  concurrencyPolicy: string;
  jobTemplate: { spec: { template: { spec: d.PodSpec } } };
}
const backupJob = d.findObject(applied, 'CronJob', 'actor-core-backup').spec as unknown as CronJobSpec;
const backupPod = backupJob.jobTemplate.spec.template.spec;
const backupContainer = backupPod.containers[0]!;
const catchUpJob = d.findObject(applied, 'CronJob', 'actor-core-catch-up').spec as unknown as CronJobSpec;
const catchUpContainer = catchUpJob.jobTemplate.spec.template.spec.containers[0]!;
const specOf = (o: d.K8sObject): d.DeploymentSpec => o.spec as unknown as d.DeploymentSpec;
/** Every container running the application's image: the Deployments' and the catch-up job's. */
const containers = [
  ...deployments.flatMap((dep) => {
    const pod = specOf(dep).template.spec;
    return [...(pod.initContainers ?? []), ...pod.containers].map((c) => ({
      where: `${dep.metadata.name}/${c.name}`,
      c,
    }));
  }),
  { where: 'actor-core-catch-up/catch-up', c: catchUpContainer },
];
/** What an operator puts in the Secret (the example's placeholders are rejected: see the last test). */
const SECRET_VALUES: Record<string, string> = {
  DATABASE_URL: 'postgres://actorcore:pw@postgres.example:5432/actorcore?sslmode=verify-full',
  REDIS_URL: 'rediss://:pw@redis.example:6379/0',
  JWT_SECRET: randomBytes(48).toString('base64'),
  ENCRYPTION_KEY: `k1:${randomBytes(32).toString('base64')}`,
};
const envOf = (c: d.Container): Record<string, string> =>
  d.containerEnv(c, objects, (ref) =>
    ref.name === secret.metadata.name ? SECRET_VALUES[ref.key] : undefined,
  );
function main(name: string): { c: d.Container; pod: d.PodSpec; s: Settings } {
  const pod = specOf(d.findObject(applied, 'Deployment', name)).template.spec;
  const c = pod.containers[0]!;
  return { c, pod, s: loadSettings(envOf(c)) };
}
/** The guide's "Rolling Deployment" kubernetes-deployment.yml. */
const guide = (() => {
  const text = fs.readFileSync(path.join(sharedDir, 'spec', 'production-guide.md'), 'utf8');
  const block = /```yaml\n# kubernetes-deployment\.yml\n([\s\S]*?)```/.exec(text)![1]!;
  return (parseYaml(block) as { spec: d.DeploymentSpec }).spec;
})();

it('kustomization applies every manifest except the examples, with one image for all', () => {
  const manifests = d.filesUnder(dir, /\.yaml$/).filter((f) => !f.endsWith('kustomization.yaml'));
  const listed = kustomization.resources.map((r) => `${dir}/${r}`).sort();
  expect(listed).toEqual(manifests.filter((f) => !f.endsWith('.example.yaml')));
  expect(applied.filter((o) => o.kind === 'Secret')).toEqual([]);
  // The application's image for every Deployment, the backup's own for the CronJob.
  expect(new Set([...containers.map(({ c }) => c.image), backupContainer.image])).toEqual(
    new Set(kustomization.images.map((i) => i.name)),
  );
});

it('runs only CLI commands that exist: api, worker, migrate and enqueue', () => {
  const commands = containers.map(({ c }) => c.args?.[0] ?? '');
  expect(commands.filter((c) => !CLI_COMMANDS.has(c))).toEqual([]);
  expect(new Set(commands)).toEqual(new Set(['api', 'worker', 'migrate', 'enqueue']));
});

it('catches up every 15 minutes on the actors left behind, never two runs at once', () => {
  expect(catchUpJob.schedule).toBe('*/15 * * * *');
  expect(catchUpJob.concurrencyPolicy).toBe('Forbid');
  expect(catchUpContainer.args).toEqual(['enqueue', '--all', '--stale', '--skip-failed']);
  expect(unknownOptions(catchUpContainer.args!)).toEqual([]);
});

it('sets only environment variables the configuration reads (env, ConfigMap keys, Secret refs)', () => {
  const variables = d.configVariables();
  const unread = containers.flatMap(({ where, c }) =>
    [
      ...(c.env ?? []).map((e) => e.name),
      ...(c.envFrom ?? []).flatMap((f) =>
        Object.keys(d.findObject(objects, 'ConfigMap', f.configMapRef!.name).data ?? {}),
      ),
    ]
      .filter((v) => !variables.has(v))
      .map((v) => `${where}: ${v}`),
  );
  expect(unread).toEqual([]);
});

it('references only keys of the actor-core-secrets Secret', () => {
  const keys = Object.keys(secret.stringData ?? {});
  const refs = containers.flatMap(({ c }) => (c.env ?? []).flatMap((e) => e.valueFrom?.secretKeyRef ?? []));
  expect(refs.length).toBeGreaterThan(0);
  expect(refs.filter((r) => r.name !== 'actor-core-secrets' || !keys.includes(r.key))).toEqual([]);
  expect(new Set(refs.map((r) => r.key))).toEqual(new Set(Object.keys(SECRET_VALUES)));
});

it('the example Secret cannot be applied as it is: the code rejects its placeholders', () => {
  const api = specOf(d.findObject(applied, 'Deployment', 'actor-core-api')).template.spec.containers[0]!;
  // The configuration loader itself refuses them, so `migrate` fails on them as `api` would.
  const problems = configProblems(() => loadSettings(d.containerEnv(api, objects)));
  expect(problems).toEqual([
    expect.stringMatching(/^JWT_SECRET must be at least 32 bytes/),
    expect.stringMatching(/^ENCRYPTION_KEY /),
  ]);
});

it('gives every container an environment that loads as settings with what its command needs', () => {
  const problems = containers.flatMap(({ where, c }) =>
    startProblems(c.args![0]!, loadSettings(envOf(c))).map((p) => `${where}: ${p}`),
  );
  expect(problems).toEqual([]);
});

it('listens, probes and serves its Service on the ports the configuration loads', () => {
  const api = main('actor-core-api');
  const worker = main('actor-core-worker');
  expect(api.s.server.port).toBe(DEFAULT_OPS.server.port);
  expect(worker.s.monitoring.workerSidecarPort).toBe(DEFAULT_OPS.monitoring.workerSidecarPort);
  for (const [{ c }, port] of [
    [api, api.s.server.port],
    [worker, worker.s.monitoring.workerSidecarPort],
  ] as const) {
    expect(c.ports!.map((p) => p.containerPort)).toEqual([port]);
    expect(d.portNumber(c, c.livenessProbe!.httpGet!.port)).toBe(port);
    expect(d.portNumber(c, c.readinessProbe!.httpGet!.port)).toBe(port);
  }
  const services = applied.filter((o) => o.kind === 'Service');
  expect(services.length).toBeGreaterThanOrEqual(2);
  for (const svc of services) {
    const spec = svc.spec as { selector: Record<string, string>; ports: { targetPort: string | number }[] };
    const dep = deployments.find((x) =>
      Object.entries(spec.selector).every(([k, v]) => specOf(x).template.metadata.labels[k] === v),
    );
    const c = specOf(dep!).template.spec.containers[0]!;
    for (const p of spec.ports) expect(d.portNumber(c, p.targetPort)).toBe(c.ports![0]!.containerPort);
  }
});

it('probes liveness on /health and readiness on /ready, which alone turns 503 while draining', async () => {
  const guideContainer = guide.template.spec.containers[0]!;
  const paths = (c: d.Container): string[] => [
    c.livenessProbe!.httpGet!.path,
    c.readinessProbe!.httpGet!.path,
  ];
  expect(paths(guideContainer)).toEqual(['/health', '/ready']);
  for (const dep of deployments)
    expect(paths(specOf(dep).template.spec.containers[0]!)).toEqual(['/health', '/ready']);
  const draining = opsApp(healthyChecks, true);
  expect((await request(opsApp()).get('/health')).status).toBe(200);
  expect((await request(opsApp()).get('/ready')).status).toBe(200);
  expect((await request(draining).get('/health')).status).toBe(200);
  expect((await request(draining).get('/ready')).status).toBe(503);
});

it('rolls one pod at a time with the guide’s resources, and every container has resources', () => {
  expect(guide.strategy).toEqual({
    type: 'RollingUpdate',
    rollingUpdate: { maxUnavailable: 1, maxSurge: 1 },
  });
  for (const dep of deployments) {
    expect(specOf(dep).strategy).toEqual(guide.strategy);
    expect(specOf(dep).template.spec.containers[0]!.resources).toEqual(
      guide.template.spec.containers[0]!.resources,
    );
  }
  const missing = containers.filter(
    ({ c }) => c.resources?.requests === undefined || c.resources.limits === undefined,
  );
  expect(missing.map(({ where }) => where)).toEqual([]);
});

it('gives each pod more than its preStop pause plus SHUTDOWN_TIMEOUT_MS to stop, as a non-root user', () => {
  for (const name of ['actor-core-api', 'actor-core-worker']) {
    const { c, pod, s } = main(name);
    const pause = c.lifecycle?.preStop?.exec?.command;
    const pauseMs = pause?.[0] === 'sleep' ? Number(pause[1]) * 1000 : 0;
    const graceMs = pod.terminationGracePeriodSeconds! * 1000;
    expect([name, graceMs > pauseMs + s.worker.shutdownTimeoutMs]).toEqual([name, true]);
    expect([name, pod.securityContext?.runAsNonRoot]).toEqual([name, true]);
  }
});

it('runs no more resolve threads per worker than its CPU limit', () => {
  const { c, s } = main('actor-core-worker');
  expect(s.worker.threads).toBeLessThanOrEqual(Math.ceil(d.cpuCores(c.resources!.limits!.cpu!)));
});

it('migrates in an initContainer of each Deployment, from the image it guards', () => {
  for (const dep of deployments) {
    const pod = specOf(dep).template.spec;
    expect((pod.initContainers ?? []).map((c) => [c.args, c.image])).toEqual([
      [['migrate'], pod.containers[0]!.image],
    ]);
  }
});

it('has one disruption budget per Deployment, selecting its pods', () => {
  const budgets = applied.filter((o) => o.kind === 'PodDisruptionBudget');
  for (const dep of deployments) {
    const labels = specOf(dep).template.metadata.labels;
    const matching = budgets.filter((p) =>
      Object.entries(
        (p.spec as { selector: { matchLabels: Record<string, string> } }).selector.matchLabels,
      ).every(([k, v]) => labels[k] === v),
    );
    expect([dep.metadata.name, matching.length]).toEqual([dep.metadata.name, 1]);
  }
});

describe('KEDA', () => {
  interface ScaledObjectSpec {
    scaleTargetRef: { name: string };
    minReplicaCount: number;
    triggers: { type: string; metadata: Record<string, string>; authenticationRef?: { name: string } }[];
  }

  it('scales the worker Deployment on the BullMQ keys holding the configured queues’ waiting jobs', () => {
    const { s } = main('actor-core-worker');
    const scaled = d.findObject(applied, 'ScaledObject', 'actor-core-worker')
      .spec as unknown as ScaledObjectSpec;
    const target = d.findObject(applied, 'Deployment', scaled.scaleTargetRef.name);
    expect(target.metadata.name).toBe('actor-core-worker');
    // The autoscaler owns the count (an apply must not reset it); the interactive lane needs a worker.
    expect(specOf(target).replicas).toBeUndefined();
    expect(scaled.minReplicaCount).toBeGreaterThanOrEqual(1);
    // BullMQ keeps jobs without a priority in the `wait` list, prioritized ones in the `prioritized` zset.
    const keys = new QueueKeys(s.queue.prefix);
    const lanes = [
      { queue: s.queue.name, priorities: [PRIORITY_VALUES.change, PRIORITY_VALUES.bulk] },
      { queue: interactiveQueueName(s.queue.name), priorities: [PRIORITY_VALUES.interactive] },
    ];
    const needed = lanes.flatMap(({ queue, priorities }) =>
      priorities.map((p) => keys.toKey(queue, p > 0 ? 'prioritized' : 'wait')),
    );
    const allowed = lanes.flatMap(({ queue }) => [
      keys.toKey(queue, 'wait'),
      keys.toKey(queue, 'prioritized'),
    ]);
    const listNames = scaled.triggers.map((t) => t.metadata.listName ?? '');
    expect(scaled.triggers.map((t) => t.type)).toEqual(scaled.triggers.map(() => 'redis'));
    expect(needed.filter((k) => !listNames.includes(k))).toEqual([]);
    expect(listNames.filter((k) => !allowed.includes(k))).toEqual([]);
  });

  it('authenticates to Redis with keys of the Secret', () => {
    const scaled = d.findObject(applied, 'ScaledObject', 'actor-core-worker')
      .spec as unknown as ScaledObjectSpec;
    const keys = Object.keys(secret.stringData ?? {});
    for (const t of scaled.triggers) {
      const auth = d.findObject(applied, 'TriggerAuthentication', t.authenticationRef!.name).spec as {
        secretTargetRef: { parameter: string; name: string; key: string }[];
      };
      expect(auth.secretTargetRef.map((r) => r.parameter).sort()).toEqual(['address', 'password', 'tls']);
      expect(
        auth.secretTargetRef.filter((r) => r.name !== secret.metadata.name || !keys.includes(r.key)),
      ).toEqual([]);
    }
  });

  it('connects with TLS exactly when the example REDIS_URL does (rediss://)', () => {
    const data = secret.stringData ?? {};
    const tls = new URL(data.REDIS_URL!).protocol === 'rediss:' ? 'enable' : 'disable';
    expect(data['redis-tls']).toBe(tls);
  });

  it('the Prometheus-based alternative targets the workers and queries exported series only', async () => {
    const [alt] = d.k8sObjects([`${dir}/keda-prometheus.example.yaml`]);
    const spec = alt!.spec as unknown as ScaledObjectSpec;
    expect(d.findObject(applied, 'Deployment', spec.scaleTargetRef.name).metadata.name).toBe(
      'actor-core-worker',
    );
    const series = await exportedSeries();
    for (const t of spec.triggers) expect(await promqlProblems(t.metadata.query!, series)).toEqual([]);
  });
});

describe('the nightly backup (the guide’s automated backups)', () => {
  /** The variables deploy/backup.sh documents in its header: all it reads. */
  const backupScript = d.readText('deploy/backup.sh');
  const header = backupScript.slice(0, backupScript.indexOf('set -euo pipefail'));
  const scriptVariables = new Set([...header.matchAll(/\b[A-Z][A-Z0-9_]{3,}\b/g)].map((m) => m[0]));

  it('runs once a night from its own image, never two at once', () => {
    expect(backupJob.schedule).toMatch(/^\d{1,2} \d{1,2} \* \* \*$/);
    expect(backupJob.concurrencyPolicy).toBe('Forbid');
    expect(backupContainer.image).toBe('actor-core-backup');
    expect(backupContainer.args).toBeUndefined(); // the image's entrypoint: backup.sh
  });

  it('its image trusts the system CAs for the example DATABASE_URL’s sslmode=verify-full', () => {
    expect(new URL(secret.stringData!.DATABASE_URL!).searchParams.get('sslmode')).toBe('verify-full');
    const env = d
      .dockerInstructions(d.readText('deploy/backup.Dockerfile'))
      .filter((i) => i.keyword === 'ENV')
      .map((i) => i.args);
    expect(env).toContain('PGSSLROOTCERT=/etc/ssl/certs/ca-certificates.crt');
    expect(scriptVariables.has('PGSSLROOTCERT')).toBe(true);
  });

  it('gives backup.sh what it needs to upload to S3, from keys of the Secret, and only variables it reads', () => {
    const names = (backupContainer.env ?? []).map((e) => e.name);
    expect(names.filter((n) => !scriptVariables.has(n))).toEqual([]);
    for (const needed of ['DATABASE_URL', 'S3_BUCKET', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY'])
      expect(names).toContain(needed);
    const keys = Object.keys(secret.stringData ?? {});
    const refs = (backupContainer.env ?? []).flatMap((e) => e.valueFrom?.secretKeyRef ?? []);
    expect(refs.filter((r) => r.name !== secret.metadata.name || !keys.includes(r.key))).toEqual([]);
  });

  it('writes only to its volumes: the dump to BACKUP_DIR, temporary files to /tmp', () => {
    expect(backupContainer.securityContext?.readOnlyRootFilesystem).toBe(true);
    const mounts = (backupContainer.volumeMounts ?? []).map((m) => m.mountPath);
    const dir = (backupContainer.env ?? []).find((e) => e.name === 'BACKUP_DIR')?.value;
    expect(mounts).toEqual(expect.arrayContaining([dir, '/tmp']));
  });

  it('its image copies backup.sh and every helper it sources, from a context that lets them in, and runs it', () => {
    const instructions = d.dockerInstructions(d.readText('deploy/backup.Dockerfile'));
    const copies = d.copyInstructions(instructions);
    const sources = copies.flatMap((c) => c.sources);
    const sourced = [
      ...backupScript.matchAll(/^source "\$\(dirname -- "\$\{BASH_SOURCE\[0\]\}"\)\/(lib\/[\w.-]+)"/gm),
    ].map((m) => m[1]!);
    expect(sourced.length).toBeGreaterThan(0);
    expect(['backup.sh', ...sourced].filter((f) => !sources.includes(f))).toEqual([]);
    const allowed = d
      .readText('deploy/.dockerignore')
      .split('\n')
      .filter((l) => l.startsWith('!'))
      .map((l) => l.slice(1));
    expect(
      sources.filter((f) => !allowed.includes(f) || !fs.existsSync(path.join(repoRoot, 'deploy', f))),
    ).toEqual([]);
    const script = copies.find((c) => c.sources.includes('backup.sh'))!.destination;
    const libDir = copies.find((c) => c.sources.includes(sourced[0]!))!.destination;
    expect(path.posix.join(path.posix.dirname(script), 'lib/')).toBe(libDir);
    const entrypoint = instructions.find((i) => i.keyword === 'ENTRYPOINT')!;
    expect(d.execForm(entrypoint.args)).toEqual([script]);
  });
});
