/** The actor-core library: the pure aggregator and registry loading. */
export * from './core';
export * from './registry';
