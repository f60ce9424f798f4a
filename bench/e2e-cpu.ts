/**
 * Where the CPU goes during an end-to-end run (Linux only, servers on this machine only): CPU seconds
 * (user + system, from /proc/<pid>/stat) of the worker processes (all threads, and the main thread
 * alone: the rest is mostly the resolve threads, plus GC and libuv helpers), the
 * Postgres backends and background processes (pids from pg_stat_activity), Redis (INFO server) and
 * this process, sampled before and after the run.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import type { Redis } from 'ioredis';
import type pg from 'pg';

/** `workersMain`: the workers' main threads only (tid = pid); part of `workers`. */
export type CpuGroup = 'workers' | 'workersMain' | 'postgres' | 'redis' | 'bench';

/** CPU seconds per pid, per group. */
export type CpuSample = Record<CpuGroup, Map<number, number>>;

let ticksPerSecond: number | undefined;

function ticks(): number {
  if (ticksPerSecond === undefined) {
    const out = spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' });
    const n = Number(out.stdout?.trim());
    ticksPerSecond = Number.isInteger(n) && n > 0 ? n : 100;
  }
  return ticksPerSecond;
}

export function cpuAccountingAvailable(): boolean {
  return fs.existsSync('/proc/self/stat');
}

/**
 * User + system CPU seconds of `pid` (its threads included), or of its thread `tid` only; undefined
 * when it is gone.
 */
export function processCpuSeconds(pid: number, tid?: number): number | undefined {
  try {
    const file = tid === undefined ? `/proc/${pid}/stat` : `/proc/${pid}/task/${tid}/stat`;
    const stat = fs.readFileSync(file, 'utf8');
    // Fields after the command (which may contain spaces), from field 3 on: utime is 14, stime 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / ticks();
  } catch {
    return undefined;
  }
}

export interface CpuSources {
  workerPids: readonly number[];
  /** Set when Postgres runs on this machine (started here). */
  pool?: pg.Pool;
  /** Set when Redis runs on this machine (started here). */
  redis?: Redis;
}

export async function sampleCpu(sources: CpuSources): Promise<CpuSample> {
  const sample: CpuSample = {
    workers: new Map(),
    workersMain: new Map(),
    postgres: new Map(),
    redis: new Map(),
    bench: new Map(),
  };
  const add = (group: CpuGroup, pid: number, tid?: number): void => {
    const seconds = processCpuSeconds(pid, tid);
    if (seconds !== undefined) sample[group].set(pid, seconds);
  };
  for (const pid of sources.workerPids) {
    add('workers', pid);
    add('workersMain', pid, pid);
  }
  if (sources.pool !== undefined) {
    const rows = await sources.pool.query<{ pid: number }>('SELECT pid FROM pg_stat_activity');
    for (const row of rows.rows) add('postgres', row.pid);
  }
  if (sources.redis !== undefined) {
    const info = await sources.redis.info('server');
    const pid = Number(/process_id:(\d+)/.exec(info)?.[1]);
    if (Number.isInteger(pid)) add('redis', pid);
  }
  add('bench', process.pid);
  return sample;
}

/** CPU seconds spent per group between two samples (a pid that appeared in between started at 0). */
export function cpuBetween(before: CpuSample, after: CpuSample): Record<CpuGroup, number> {
  const out = { workers: 0, workersMain: 0, postgres: 0, redis: 0, bench: 0 };
  for (const group of Object.keys(out) as CpuGroup[]) {
    for (const [pid, seconds] of after[group]) out[group] += seconds - (before[group].get(pid) ?? 0);
  }
  return out;
}
