/** Private PostgreSQL and Redis servers that start themselves when no URL is configured. */
export { startLocalServices, type LocalServices, type LocalServicesOptions } from './local-services';
export {
  requirePostgresBinDir,
  startLocalPostgres,
  type LocalPostgres,
  type LocalPostgresOptions,
  type PostgresRestartOptions,
} from './local-postgres';
export {
  pings,
  requireRedisServer,
  startLocalRedis,
  type LocalRedis,
  type LocalRedisOptions,
  type RedisRestartOptions,
} from './local-redis';
export { findOnPath, findPostgresBinDir } from './find-binary';
export { freePort, isListening } from './free-port';
export { canInstallPackages, installDebianPackage } from './install-package';
