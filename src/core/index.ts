/** The pure aggregator of Actor Core v3: no I/O, plain functions over plain data. */
export * from './types';
export * from './errors';
export { compileRegistries, validateCombinerRegistry, validateCapLayerRegistry, ruleFor } from './registries';
export type { CompiledRegistries, CompiledRule } from './registries';
export { DEFAULT_CAP_LAYERS, DEFAULT_CLAMP } from './registries';
export { validateOutputs } from './validate-output';
export { resolveSnapshot, resolveSnapshotForJson, checkVersion } from './resolve';
export { applyContext, mergeContexts } from './context';
export { explain, explanationJson } from './explain';
export type {
  ExplainedRange,
  Explanation,
  ExplainStep,
  LayerExplanation,
  SectionExplanation,
} from './explain';
export { DIMENSION_PATTERN } from './check';
export { jsonErrorPosition, lineAndColumn } from './json-position';
export { parseActorLine, resolveActorLine, resolveActorLineForJson, resolveLineToJson } from './resolve-line';
export type { ActorLine, LineResult, LineResultForJson, LineTextCheck } from './resolve-line';
