/**
 * How many CPUs this process may really use, for the default number of resolve threads. Node's
 * `os.availableParallelism()` counts the CPUs of the affinity mask but ignores a cgroup CPU quota
 * (a Kubernetes or Docker CPU limit): a worker limited to 1 CPU on a 16-core node would start 16
 * threads and be throttled. The quota, rounded up, caps the count.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';

/** CPUs granted by a cgroup v2 `cpu.max` text ("<quota> <period>", or "max <period>": none). */
export function cpusOfCpuMax(text: string): number | undefined {
  const [quota, period] = text.trim().split(/\s+/);
  if (quota === undefined || quota === 'max') return undefined;
  return cpusOf(Number(quota), Number(period ?? 100_000));
}

/** CPUs granted by cgroup v1 `cpu.cfs_quota_us` / `cpu.cfs_period_us` (a quota of -1: none). */
export function cpusOfCfs(quotaText: string, periodText: string): number | undefined {
  return cpusOf(Number(quotaText.trim()), Number(periodText.trim()));
}

function cpusOf(quota: number, period: number): number | undefined {
  if (!Number.isFinite(quota) || !Number.isFinite(period) || quota <= 0 || period <= 0) return undefined;
  return Math.max(1, Math.ceil(quota / period));
}

function readText(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

/** The CPU quota of this process's cgroup (v2, else v1), or undefined when there is none. */
export function cgroupCpuQuota(read: (file: string) => string | undefined = readText): number | undefined {
  const cpuMax = read('/sys/fs/cgroup/cpu.max');
  if (cpuMax !== undefined) return cpusOfCpuMax(cpuMax);
  const quota = read('/sys/fs/cgroup/cpu/cpu.cfs_quota_us');
  const period = read('/sys/fs/cgroup/cpu/cpu.cfs_period_us');
  return quota === undefined || period === undefined ? undefined : cpusOfCfs(quota, period);
}

/** `os.availableParallelism()`, capped by the cgroup CPU quota; at least 1. */
export function usableCpus(
  parallelism: number = os.availableParallelism(),
  quota: number | undefined = cgroupCpuQuota(),
): number {
  return Math.max(1, quota === undefined ? parallelism : Math.min(parallelism, quota));
}
