/**
 * What the in-process tests of `main` share: one actor's outputs with a pipeline and an operator-mode
 * dimension, each capped, and a registry file for them written before the file's tests.
 */
import { main } from '../../src/cli/main';
import { memoryIo, TempDir } from './cli';

export const sampleOutputs = [
  {
    primary: [
      { dimension: 'lifespan_years', bucket: 'FLAT', value: 80, system: 'race' },
      { dimension: 'lifespan_years', bucket: 'POST_ADD', value: 120, system: 'cultivation', priority: 2 },
    ],
    derived: [{ dimension: 'crit_rate', bucket: 'FLAT', value: -0.2, system: 'curse' }],
    caps: [
      {
        system: 'realm',
        dimension: 'lifespan_years',
        mode: 'HARD_MAX',
        kind: 'max',
        value: 100,
        scope: 'WORLD',
      },
      { system: 'event', dimension: 'crit_rate', mode: 'OVERRIDE', kind: 'min', value: 0.05, scope: 'EVENT' },
    ],
    meta: { system: 'race' },
  },
];
export const sampleInput = JSON.stringify(sampleOutputs);

export interface CliMainFixture {
  tmp: TempDir;
  /** lifespan_years: operator MAX, clamp [0, 1000]; crit_rate: pipeline, clamp [0, 1]. */
  registryFile: string;
}

/** A temporary directory holding the registry file, made before this file's tests and removed after. */
export function useCliMainFixture(): CliMainFixture {
  const fixture = {} as CliMainFixture;
  beforeAll(() => {
    fixture.tmp = new TempDir();
    fixture.registryFile = fixture.tmp.write(
      'registry.yaml',
      [
        'dimensions:',
        '  lifespan_years: { use_pipeline: false, operator: MAX, clamp_default: { min: 0, max: 1000 } }',
        '  crit_rate: { use_pipeline: true, clamp_default: { min: 0, max: 1 } }',
      ].join('\n'),
    );
  });
  afterAll(() => fixture.tmp.cleanup());
  return fixture;
}

/** `main(args)` in this process, with `stdin` as its input; what it wrote and its exit code. */
export async function runMain(
  args: string[],
  stdin = '',
): Promise<{ code: number; stdout: string; stderr: string }> {
  const memory = memoryIo(stdin);
  const code = await main(args, memory.io);
  return { code, stdout: memory.stdout(), stderr: memory.stderr() };
}
