/**
 * The actor-core library: the pure aggregator and registry loading, and the producer library other
 * services use to enqueue resolutions (with their own Redis connection).
 */
export * from './core';
export * from './registry';
export * from './producer';
