/**
 * Loads the combiner registry and the cap layer registry from YAML or JSON files, validates them, and
 * gives each a content hash. `registryVersion` (both hashes together) goes into cache keys, so a
 * registry change never serves a snapshot computed under the old rules.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  ActorCoreError,
  compileRegistries,
  DEFAULT_CAP_LAYERS,
  DEFAULT_CLAMP,
  isActorCoreError,
  validateCapLayerRegistry,
  validateCombinerRegistry,
  type CapLayerRegistrySource,
  type CombinerRegistrySource,
  type CompiledRegistries,
} from '../core';
import { firstNonUtf8Line } from '../text/utf8-lines';
import { parseConfigText } from './parse-config-text';

/** The package's own config folder (…/config), found from both src/ and dist/src/. */
export const CONFIG_DIR =
  [path.resolve(__dirname, '../../config'), path.resolve(__dirname, '../../../config')].find((dir) =>
    fs.existsSync(path.join(dir, 'registry.yaml')),
  ) ?? path.resolve(__dirname, '../../config');
export const DEFAULT_REGISTRY_FILE = path.join(CONFIG_DIR, 'registry.yaml');
export const DEFAULT_CAP_LAYERS_FILE = path.join(CONFIG_DIR, 'cap-layers.yaml');

export interface LoadedRegistries {
  compiled: CompiledRegistries;
  combiner: CombinerRegistrySource;
  capLayers: CapLayerRegistrySource;
  /** sha256 of the canonical combiner registry as it resolves (see `effectiveCombiner`), hex. */
  combinerHash: string;
  /** sha256 of the canonical cap layer registry, hex. */
  capLayersHash: string;
  /** One short id for both, e.g. `r1-3f2a…`: what cache keys and stored snapshots carry. */
  registryVersion: string;
}

export interface RegistryFiles {
  registry?: string | undefined;
  capLayers?: string | undefined;
}

/** JSON with object keys sorted at every level: the same content always hashes the same. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const record = value as Record<string, unknown>;
    return `{${Object.keys(record)
      .sort()
      .filter((k) => record[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${canonicalJson(record[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value);
}

/**
 * The combiner registry as resolving reads it: every default written out and every field it ignores
 * left out, so that registries meaning the same rules hash the same (`defaults: {}` and no `defaults`;
 * an `operator` on a pipeline dimension; `use_pipeline: false` with and without `operator: SUM`).
 * A cached snapshot is then recomputed exactly when the rules change, not when their spelling does.
 */
export function effectiveCombiner(registry: CombinerRegistrySource): unknown {
  const dimensions: Record<string, unknown> = {};
  for (const [name, rule] of Object.entries(registry.dimensions)) {
    const clamp = { min: rule.clamp_default.min, max: rule.clamp_default.max };
    dimensions[name] = rule.use_pipeline
      ? { use_pipeline: true, clamp_default: clamp }
      : { use_pipeline: false, operator: rule.operator ?? 'SUM', clamp_default: clamp };
  }
  const clamp = registry.defaults?.clamp_default ?? DEFAULT_CLAMP;
  return { defaults: { clamp_default: { min: clamp.min, max: clamp.max } }, dimensions };
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** A registry is kilobytes; a file past this was given by mistake (a workload, a dump) and is not read. */
export const MAX_REGISTRY_BYTES = 64 * 1024 * 1024;

function readConfigFile(file: string): unknown {
  let bytes: Buffer;
  try {
    const size = fs.statSync(file).size;
    if (size > MAX_REGISTRY_BYTES) {
      throw new ActorCoreError(
        'REGISTRY_LOAD_FAILED',
        `cannot read: ${(size / 1024 / 1024).toFixed(0)} MiB is more than a registry file may hold (${MAX_REGISTRY_BYTES / 1024 / 1024} MiB)`,
        { file },
      );
    }
    bytes = fs.readFileSync(file);
  } catch (err) {
    if (isActorCoreError(err)) throw err;
    throw new ActorCoreError(
      'REGISTRY_LOAD_FAILED',
      `cannot read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
      {
        file,
      },
    );
  }
  // Decoding would turn bytes that are not UTF-8 into U+FFFD, and names that differ into one.
  const badLine = firstNonUtf8Line(bytes);
  if (badLine > 0) {
    throw new ActorCoreError('REGISTRY_LOAD_FAILED', `cannot read: line ${badLine} is not UTF-8 text`, {
      file,
    });
  }
  return parseConfigText(bytes.toString('utf8'), file);
}

function withFile<T>(file: string | undefined, check: () => T): T {
  try {
    return check();
  } catch (err) {
    if (isActorCoreError(err) && file !== undefined) throw err.locate({ file });
    throw err;
  }
}

/** Builds LoadedRegistries from already-parsed sources (validated here). */
export function registriesFromSources(
  combinerSource: unknown,
  capLayersSource: unknown = DEFAULT_CAP_LAYERS,
  files: RegistryFiles = {},
): LoadedRegistries {
  const combiner = withFile(files.registry, () => validateCombinerRegistry(combinerSource));
  const capLayers = withFile(files.capLayers, () => validateCapLayerRegistry(capLayersSource));
  const compiled = compileRegistries(combiner, capLayers);
  const combinerHash = sha256(canonicalJson(effectiveCombiner(combiner)));
  const capLayersHash = sha256(canonicalJson(capLayers));
  return {
    compiled,
    combiner,
    capLayers,
    combinerHash,
    capLayersHash,
    registryVersion: `r1-${sha256(`${combinerHash}:${capLayersHash}`).slice(0, 16)}`,
  };
}

/** Loads both registries; missing paths mean the package's config/registry.yaml and config/cap-layers.yaml. */
export function loadRegistries(files: RegistryFiles = {}): LoadedRegistries {
  const registryFile = files.registry ?? DEFAULT_REGISTRY_FILE;
  const capLayersFile = files.capLayers ?? DEFAULT_CAP_LAYERS_FILE;
  return registriesFromSources(readConfigFile(registryFile), readConfigFile(capLayersFile), {
    registry: registryFile,
    capLayers: capLayersFile,
  });
}
