/** The benchmarks refuse input that is not the workload's format, and report no figures for failed actors. */
import * as path from 'node:path';
import { loadBenchInput, refuseFigures } from '../../bench/support';
import { repoRoot } from '../support/shared';

describe('benchmark input', () => {
  it('refuses a file that is not JSON lines of actors, naming it and its first line', () => {
    const readme = path.join(repoRoot, 'README.md');
    expect(() => loadBenchInput({ input: readme })).toThrow(
      new RegExp(
        `^${readme.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} is not JSON lines of actors: line 1: not valid JSON`,
      ),
    );
  });

  it('names a path it cannot read', () => {
    expect(() => loadBenchInput({ input: repoRoot })).toThrow(`cannot read ${repoRoot}: EISDIR`);
  });

  it('reports no figures, and exits 1, when some actors did not resolve', () => {
    const errors = jest.spyOn(console, 'error').mockImplementation(() => undefined);
    const exitCode = process.exitCode;
    try {
      expect(refuseFigures('bench:core', 0, 10)).toBe(false);
      expect(process.exitCode).toBe(exitCode);
      expect(refuseFigures('bench:core', 2, 10)).toBe(true);
      expect(process.exitCode).toBe(1);
      expect(errors).toHaveBeenCalledWith(
        'bench:core: 2 of 10 actors did not resolve; no figures are reported for them',
      );
    } finally {
      process.exitCode = exitCode;
      errors.mockRestore();
    }
  });
});
