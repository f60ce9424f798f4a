/** The resolve thread pool: piscina wired to the core, one chunk of actors per task (see messages.ts). */
export * from './messages';
export { runResolveTask } from './run-resolve-task';
export {
  createResolvePool,
  kDefaultResolvePoolOptions,
  resolvePoolSettings,
  resolveThreadFile,
  ResolvePoolOptionError,
} from './create-resolve-pool';
export type { ResolvePool, ResolvePoolOptions, ResolvePoolSettings } from './create-resolve-pool';
