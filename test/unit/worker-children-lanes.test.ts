/** How the demo and the benchmarks lay out worker processes over lanes, and run the bulk ones niced. */
import { childLanes, niced } from '../../src/demo/worker-children';
import type { Settings } from '../../config/settings';

const settings = {} as Settings;

describe('childLanes', () => {
  it('gives every process every lane at normal priority when the lanes are not split', () => {
    expect(childLanes({ count: 2, settings, logFile: 'x' })).toEqual([{ nice: 0 }, { nice: 0 }]);
  });

  it('puts the counted processes on the bulk lane at the given niceness, then the interactive ones', () => {
    expect(childLanes({ count: 2, settings, logFile: 'x', lanes: { interactive: 1, bulkNice: 19 } })).toEqual(
      [
        { lane: 'bulk', nice: 19 },
        { lane: 'bulk', nice: 19 },
        { lane: 'interactive', nice: 0 },
      ],
    );
  });
});

describe('niced', () => {
  const line = { command: '/usr/bin/node', args: ['cli.js', 'worker'] };

  it('leaves a command at niceness 0 as it is', () => {
    expect(niced(line, 0)).toBe(line);
  });

  it('runs the command through nice(1), so that every thread node starts inherits the niceness', () => {
    expect(niced(line, 19)).toEqual({
      command: expect.stringMatching(/\/nice$/),
      args: ['-n', '19', '/usr/bin/node', 'cli.js', 'worker'],
    });
  });
});
