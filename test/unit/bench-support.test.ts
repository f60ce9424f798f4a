/** The benchmarks refuse input that is not the workload's format, and report no figures for failed actors. */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { benchFailed, loadBenchInput, loadWorkload, refuseFigures, warmUpRounds } from '../../bench/support';
import { ActorCoreError } from '../../src/core';
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

  it('numbers actor lines as the input does, blank lines counted, and says when --actors asks for more', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-support-'));
    const notes = jest.spyOn(console, 'error').mockImplementation(() => undefined);
    try {
      const file = path.join(dir, 'actors.jsonl');
      fs.writeFileSync(file, 'a\n\nb\n\n\nc\n');
      expect(loadWorkload(file, undefined)).toMatchObject({ lines: ['a', 'b', 'c'], lineNumbers: [1, 3, 6] });
      expect(loadWorkload(file, 2)).toMatchObject({ lines: ['a', 'b'], lineNumbers: [1, 3] });
      expect(notes).not.toHaveBeenCalled();
      expect(loadWorkload(file, 5).lines).toHaveLength(3);
      expect(notes).toHaveBeenCalledWith(`note: --actors 5, but ${file} holds 3 actor lines; using those`);
    } finally {
      notes.mockRestore();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('warms up on at least 10,000 resolutions, however few the actors', () => {
    expect(warmUpRounds(10_000)).toBe(1);
    expect(warmUpRounds(20_000)).toBe(1);
    expect(warmUpRounds(3_000)).toBe(4);
    expect(warmUpRounds(1)).toBe(10_000);
  });

  it('ends on an ActorCoreError naming its file, and exits 1', () => {
    const errors = jest.spyOn(console, 'error').mockImplementation(() => undefined);
    const exitCode = process.exitCode;
    try {
      const err = new ActorCoreError('REGISTRY_LOAD_FAILED', 'cannot read: ENOENT', { file: 'nope.yaml' });
      benchFailed('bench:core', err);
      expect(errors).toHaveBeenCalledWith(
        'bench:core: REGISTRY_LOAD_FAILED: cannot read: ENOENT (nope.yaml)',
      );
      expect(process.exitCode).toBe(1);
    } finally {
      process.exitCode = exitCode;
      errors.mockRestore();
    }
  });
});
