/**
 * Reading the deployment files in tests: YAML documents, the Dockerfile's instructions, docker compose
 * interpolation, Kubernetes objects and containers' environments, and the environment variables the
 * configuration reads.
 */
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { ENV_OVERRIDES } from '../../config/env-overrides';
import { repoRoot } from './shared';

export const deployDir = path.join(repoRoot, 'deploy');

export function readText(relative: string): string {
  return fs.readFileSync(path.join(repoRoot, relative), 'utf8');
}

/** Every document of a YAML file as plain data (`<<` merge keys applied, as docker compose does). */
export function yamlDocs(relative: string): unknown[] {
  const docs = parseAllDocuments(readText(relative), { merge: true });
  if (!Array.isArray(docs)) return [];
  for (const doc of docs) {
    if (doc.errors.length > 0) throw new Error(`${relative}: ${doc.errors[0]!.message}`);
  }
  return docs.map((doc) => doc.toJS({ maxAliasCount: 100 }) as unknown).filter((d) => d !== null);
}

export function yamlDoc<T>(relative: string): T {
  const [doc, ...rest] = yamlDocs(relative);
  if (doc === undefined || rest.length > 0) throw new Error(`${relative}: expected one YAML document`);
  return doc as T;
}

/** The files under `relativeDir` whose names match `ext`, relative to the repository, sorted. */
export function filesUnder(relativeDir: string, ext: RegExp): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of fs.readdirSync(path.join(repoRoot, dir), { withFileTypes: true })) {
      const rel = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(rel);
      else if (ext.test(entry.name)) out.push(rel);
    }
  };
  walk(relativeDir);
  return out.sort();
}

// ---- Dockerfile ----

export interface Instruction {
  keyword: string;
  args: string;
  /** Index of the FROM stage it belongs to (-1 before the first FROM: ARG). */
  stage: number;
}

/** The Dockerfile's instructions, continuation lines joined, comments dropped. */
export function dockerInstructions(text: string): Instruction[] {
  const logical: string[] = [];
  let current = '';
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (current === '' && (line === '' || line.startsWith('#'))) continue;
    if (line.endsWith('\\')) {
      current += `${line.slice(0, -1)} `;
      continue;
    }
    logical.push(current + line);
    current = '';
  }
  let stage = -1;
  return logical.map((line) => {
    const [keyword = '', ...rest] = line.split(/\s+/);
    const upper = keyword.toUpperCase();
    if (upper === 'FROM') stage += 1;
    return { keyword: upper, args: rest.join(' '), stage };
  });
}

/** An exec-form (JSON array) argument list, e.g. of CMD or HEALTHCHECK CMD. */
export function execForm(args: string): string[] {
  const parsed: unknown = JSON.parse(args);
  if (!Array.isArray(parsed) || !parsed.every((a) => typeof a === 'string')) {
    throw new Error(`not an exec-form array: ${args}`);
  }
  return parsed as string[];
}

export interface CopyInstruction {
  from: string | undefined;
  sources: string[];
  destination: string;
  stage: number;
}

export function copyInstructions(instructions: readonly Instruction[]): CopyInstruction[] {
  return instructions
    .filter((i) => i.keyword === 'COPY')
    .map((i) => {
      const words = i.args.split(/\s+/);
      const flags = words.filter((w) => w.startsWith('--'));
      const paths = words.filter((w) => !w.startsWith('--'));
      const from = flags.find((f) => f.startsWith('--from='))?.slice('--from='.length);
      return { from, sources: paths.slice(0, -1), destination: paths[paths.length - 1]!, stage: i.stage };
    });
}

/** Whether .dockerignore keeps `relative` out of the build context (plain names and dir/ prefixes). */
export function dockerIgnored(patterns: readonly string[], relative: string): boolean {
  const clean = relative.replace(/^\.\//, '').replace(/\/$/, '');
  return patterns.some((p) => {
    if (p.includes('*')) {
      const re = new RegExp(`^${p.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*')}$`);
      return re.test(clean);
    }
    return clean === p || clean.startsWith(`${p}/`);
  });
}

export function dockerignorePatterns(): string[] {
  return readText('.dockerignore')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));
}

// ---- docker compose ----

/**
 * docker compose's interpolation: `${VAR}`, `${VAR:-default}`, `${VAR-default}`, `${VAR:?error}`,
 * `${VAR?error}` and `$$`. Throws when a required variable is missing, as compose does.
 */
export function composeInterpolate(text: string, vars: Readonly<Record<string, string>>): string {
  return text.replace(
    /\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g,
    (match, braced?: string, op?: string, arg?: string, bare?: string) => {
      if (match === '$$') return '$';
      const name = (braced ?? bare)!;
      const value = vars[name];
      const unset = value === undefined || (op?.startsWith(':') === true && value === '');
      if (!unset) return value;
      if (op === ':-' || op === '-') return arg ?? '';
      if (op === ':?' || op === '?') throw new Error(`required variable ${name} is missing: ${arg}`);
      return '';
    },
  );
}

/** Compose's `environment:` as a map (it may be a list of `NAME=value`), values interpolated. */
export function composeEnvironment(
  environment: unknown,
  vars: Readonly<Record<string, string>>,
): Record<string, string> {
  const entries: [string, string][] = Array.isArray(environment)
    ? environment.map((line: string) => {
        const at = line.indexOf('=');
        return [line.slice(0, at), line.slice(at + 1)];
      })
    : Object.entries((environment ?? {}) as Record<string, unknown>).map(([k, v]) => [k, String(v ?? '')]);
  return Object.fromEntries(entries.map(([k, v]) => [k, composeInterpolate(v, vars)]));
}

/** Compose durations such as `45s`, `1m30s`, in seconds. */
export function composeSeconds(duration: string): number {
  let total = 0;
  for (const [, n, unit] of duration.matchAll(/(\d+(?:\.\d+)?)(h|ms|m|s|us)/g)) {
    total += Number(n) * { h: 3600, m: 60, s: 1, ms: 1e-3, us: 1e-6 }[unit as 'h' | 'm' | 's' | 'ms' | 'us'];
  }
  return total;
}

export interface ComposeService {
  image?: string;
  build?: unknown;
  command?: string[];
  restart?: string;
  environment?: unknown;
  ports?: string[];
  expose?: string[];
  container_name?: string;
  volumes?: string[];
  healthcheck?: { test?: string[]; disable?: boolean };
  depends_on?: Record<string, { condition: string }> | string[];
  stop_grace_period?: string;
}

/** Values for the variables deploy/docker-compose.yml requires (`${VAR:?…}`). */
export const COMPOSE_VARS: Readonly<Record<string, string>> = {
  POSTGRES_PASSWORD: 'compose-test-password',
  JWT_SECRET: randomBytes(48).toString('base64'),
  ENCRYPTION_KEY: `k1:${randomBytes(32).toString('base64')}`,
};

export function composeServices(): Record<string, ComposeService> {
  return yamlDoc<{ services: Record<string, ComposeService> }>('deploy/docker-compose.yml').services;
}

/** A service's environment as its container gets it, with COMPOSE_VARS for the required variables. */
export function composeServiceEnv(service: ComposeService): Record<string, string> {
  return composeEnvironment(service.environment, COMPOSE_VARS);
}

/** Where a service mounts what: container path → host path (relative to deploy/). */
export function composeMounts(service: ComposeService): Map<string, string> {
  return new Map((service.volumes ?? []).map((v) => v.split(':')).map(([from, to]) => [to!, from!]));
}

// ---- configuration ----

/**
 * Every environment variable the configuration reads: the overrides, the variables config/*.ts reads
 * by name (CONFIG_FILE, ENV), and the ${VAR} the YAML files interpolate.
 */
export function configVariables(): Set<string> {
  const names = new Set(ENV_OVERRIDES.map((o) => o.variable));
  const configDir = path.join(repoRoot, 'config');
  for (const file of fs.readdirSync(configDir)) {
    const text = fs.readFileSync(path.join(configDir, file), 'utf8');
    if (file.endsWith('.ts')) {
      for (const m of text.matchAll(/envText\(\s*env\s*,\s*'([A-Z0-9_]+)'\s*\)/g)) names.add(m[1]!);
    } else if (file.endsWith('.yaml')) {
      for (const m of text.matchAll(/\$\{([A-Za-z_][A-Za-z0-9_]*)/g)) names.add(m[1]!);
    }
  }
  return names;
}

// ---- Kubernetes ----

export interface SecretKeyRef {
  name: string;
  key: string;
  optional?: boolean;
}

export interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: { secretKeyRef?: SecretKeyRef; configMapKeyRef?: SecretKeyRef };
}

export interface Probe {
  httpGet?: { path: string; port: number | string };
  initialDelaySeconds?: number;
  periodSeconds?: number;
}

export interface Container {
  name: string;
  image: string;
  args?: string[];
  command?: string[];
  ports?: { name?: string; containerPort: number }[];
  env?: EnvVar[];
  envFrom?: { configMapRef?: { name: string }; secretRef?: { name: string } }[];
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  livenessProbe?: Probe;
  readinessProbe?: Probe;
  lifecycle?: { preStop?: { exec?: { command: string[] } } };
  securityContext?: { readOnlyRootFilesystem?: boolean; allowPrivilegeEscalation?: boolean };
  volumeMounts?: { name: string; mountPath: string }[];
}

export interface PodSpec {
  containers: Container[];
  initContainers?: Container[];
  terminationGracePeriodSeconds?: number;
  securityContext?: { runAsNonRoot?: boolean; runAsUser?: number };
}

export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  // The rest depends on the kind; tests narrow it with `as`.
  spec?: Record<string, unknown>;
  data?: Record<string, string>;
  stringData?: Record<string, string>;
}

export interface DeploymentSpec {
  replicas?: number;
  strategy?: { type: string; rollingUpdate?: { maxUnavailable: number | string; maxSurge: number | string } };
  selector: { matchLabels: Record<string, string> };
  template: { metadata: { labels: Record<string, string> }; spec: PodSpec };
}

/** Every object of the YAML files in `files`. */
export function k8sObjects(files: readonly string[]): K8sObject[] {
  return files.flatMap((file) => yamlDocs(file) as K8sObject[]);
}

export function findObject(objects: readonly K8sObject[], kind: string, name: string): K8sObject {
  const found = objects.find((o) => o.kind === kind && o.metadata.name === name);
  if (found === undefined) throw new Error(`no ${kind} ${name}`);
  return found;
}

/** A container's environment as the pod gets it: envFrom ConfigMaps and Secrets, then env. */
export function containerEnv(
  container: Container,
  objects: readonly K8sObject[],
  /** The value of a Secret's key; default: the Secret in `objects`. */
  secretValue: (ref: SecretKeyRef) => string | undefined = (ref) => {
    const secret = findObject(objects, 'Secret', ref.name);
    return { ...secret.data, ...secret.stringData }[ref.key];
  },
): Record<string, string> {
  const env: Record<string, string> = {};
  for (const from of container.envFrom ?? []) {
    if (from.configMapRef !== undefined)
      Object.assign(env, findObject(objects, 'ConfigMap', from.configMapRef.name).data);
    if (from.secretRef !== undefined) {
      const secret = findObject(objects, 'Secret', from.secretRef.name);
      Object.assign(env, secret.data, secret.stringData);
    }
  }
  for (const e of container.env ?? []) {
    const ref = e.valueFrom?.secretKeyRef;
    const mapRef = e.valueFrom?.configMapKeyRef;
    const value =
      e.value ??
      (ref !== undefined
        ? secretValue(ref)
        : mapRef !== undefined
          ? findObject(objects, 'ConfigMap', mapRef.name).data?.[mapRef.key]
          : undefined);
    if (value !== undefined) env[e.name] = value;
  }
  return env;
}

/** A container port given by number or by name. */
export function portNumber(container: Container, port: number | string): number | undefined {
  if (typeof port === 'number') return port;
  return container.ports?.find((p) => p.name === port)?.containerPort;
}

/** Kubernetes CPU quantities: `1000m`, `1`, `0.5`. */
export function cpuCores(quantity: string): number {
  return quantity.endsWith('m') ? Number(quantity.slice(0, -1)) / 1000 : Number(quantity);
}
