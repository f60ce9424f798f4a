/** `actor-core api` finds the ops module (src/sidecar) when it is there, and runs without it when not. */
import pino from 'pino';
import { loadOpsMount } from '../../src/cli/api-command';
import { TempDir } from '../support/cli';

let tmp: TempDir;
const logger = pino({ level: 'silent' });

beforeAll(() => {
  tmp = new TempDir();
});
afterAll(() => tmp.cleanup());

describe('loadOpsMount', () => {
  it('is undefined when the module does not exist', async () => {
    expect(await loadOpsMount(logger, `${tmp.dir}/no-such-ops-mount`)).toBeUndefined();
  });

  it('prefers createApiOpsMount, else takes createOpsMount', async () => {
    const both = tmp.write(
      'both.js',
      'exports.createApiOpsMount = () => "api"; exports.createOpsMount = () => "ops";',
    );
    expect((await loadOpsMount(logger, both))?.({} as never)).toBe('api');
    const ops = tmp.write('ops.js', 'exports.createOpsMount = () => "ops";');
    expect((await loadOpsMount(logger, ops))?.({} as never)).toBe('ops');
    const none = tmp.write('none.js', 'exports.other = 1;');
    expect(await loadOpsMount(logger, none)).toBeUndefined();
  });

  it('fails when the module exists but cannot load (a missing import is not "no ops")', async () => {
    const broken = tmp.write('broken.js', "require('actor-core-no-such-package');");
    await expect(loadOpsMount(logger, broken)).rejects.toThrow(/actor-core-no-such-package/);
  });

  it('finds the real one in this build', async () => {
    expect(typeof (await loadOpsMount(logger))).toBe('function');
  });
});
