export * from './load-registries';
