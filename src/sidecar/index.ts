/** Operations endpoints: health and readiness checks, /metrics, Bull Board, the worker sidecar. */
export { createBullBoardRouter, DEFAULT_BULL_BOARD_PATH } from './bull-board-router';
export type { BullBoardOptions } from './bull-board-router';
export { CheckFailure, postgresCheck, redisCheck, runCheck, runChecks } from './health-checks';
export type { CheckDetails, CheckResult, HealthCheck } from './health-checks';
export { appliedMigrations, expectedMigrations, migrationsCheck } from './migrations-check';
export { createApiOpsMount, createOpsMount } from './ops-mount';
export type { ApiOpsContext, ApiOpsMount, OpsMount, OpsMountOptions } from './ops-mount';
export { createOpsRouter, DEFAULT_CHECK_TIMEOUT_MS } from './ops-router';
export type { HealthBody, OpsChecks, OpsRouterOptions, ReadyBody } from './ops-router';
export { startSidecar } from './sidecar-server';
export type { Sidecar, SidecarOptions } from './sidecar-server';
