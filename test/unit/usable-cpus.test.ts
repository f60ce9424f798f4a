/** The default thread count follows a cgroup CPU limit, which os.availableParallelism() ignores. */
import { cgroupCpuQuota, cpusOfCfs, cpusOfCpuMax, usableCpus } from '../../config/usable-cpus';

describe('cgroup v2 cpu.max', () => {
  it.each([
    ['max 100000\n', undefined],
    ['100000 100000\n', 1],
    ['150000 100000', 2],
    ['50000 100000', 1],
    ['400000 100000', 4],
    ['garbage', undefined],
  ])('%j grants %s CPUs', (text, cpus) => {
    expect(cpusOfCpuMax(text)).toBe(cpus);
  });
});

describe('cgroup v1 cfs quota', () => {
  it('reads quota / period, rounded up; -1 is no quota', () => {
    expect(cpusOfCfs('-1\n', '100000\n')).toBeUndefined();
    expect(cpusOfCfs('250000\n', '100000\n')).toBe(3);
  });
});

describe('cgroupCpuQuota', () => {
  const files = (entries: Record<string, string>) => (file: string) => entries[file];

  it('prefers cgroup v2, falls back to v1, and is undefined without either', () => {
    expect(cgroupCpuQuota(files({ '/sys/fs/cgroup/cpu.max': '200000 100000' }))).toBe(2);
    expect(
      cgroupCpuQuota(
        files({
          '/sys/fs/cgroup/cpu/cpu.cfs_quota_us': '100000',
          '/sys/fs/cgroup/cpu/cpu.cfs_period_us': '100000',
        }),
      ),
    ).toBe(1);
    expect(cgroupCpuQuota(files({}))).toBeUndefined();
  });
});

describe('usableCpus', () => {
  it('is the affinity count capped by the quota, and at least 1', () => {
    expect(usableCpus(16, 1)).toBe(1);
    expect(usableCpus(2, 4)).toBe(2);
    expect(usableCpus(8, undefined)).toBe(8);
    expect(usableCpus(0, undefined)).toBe(1);
  });
});
