export * from './load-registries';
export { MAX_YAML_CHARS } from './parse-config-text';
