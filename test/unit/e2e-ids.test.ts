/** The e2e bench's split of the seeded actors into the timed run's and the warm pass's. */
import { splitE2eIds, WARM_PASS_INTERACTIVE } from '../../bench/e2e-ids';

const ids = (n: number): string[] =>
  Array.from({ length: n }, (_, i) => `actor-${String(i).padStart(7, '0')}`);

describe('splitE2eIds', () => {
  it('gives every id exactly one part, with the sizes asked for', () => {
    const all = ids(25_050);
    const split = splitE2eIds(all, 50, 5_000);
    expect(split.bulk).toHaveLength(20_000);
    expect(split.interactive).toHaveLength(50);
    expect(split.warmInteractive).toHaveLength(WARM_PASS_INTERACTIVE);
    expect(split.warmBulk).toHaveLength(5_000 - WARM_PASS_INTERACTIVE);
    const parts = [...split.bulk, ...split.interactive, ...split.warmBulk, ...split.warmInteractive];
    expect(new Set(parts).size).toBe(all.length);
    expect([...parts].sort()).toEqual(all);
  });

  it('keeps the warm pass away from every actor of the timed run', () => {
    const split = splitE2eIds(ids(1_100), 10, 100);
    const timed = new Set([...split.bulk, ...split.interactive]);
    for (const id of [...split.warmBulk, ...split.warmInteractive]) expect(timed.has(id)).toBe(false);
  });

  it('spreads the interactive actors evenly over all the ids', () => {
    const split = splitE2eIds(ids(1_000), 4, 100);
    expect(split.interactive).toEqual(['actor-0000125', 'actor-0000375', 'actor-0000625', 'actor-0000875']);
  });

  it('makes at most half of a small warm pass single jobs, and none without a warm pass', () => {
    expect(splitE2eIds(ids(110), 0, 10).warmInteractive).toHaveLength(5);
    const none = splitE2eIds(ids(100), 5, 0);
    expect(none.warmBulk).toEqual([]);
    expect(none.warmInteractive).toEqual([]);
    expect(none.bulk).toHaveLength(95);
  });

  it('refuses more interactive and warm-pass actors than there are ids', () => {
    expect(() => splitE2eIds(ids(10), 5, 6)).toThrow(
      '10 ids cannot hold 5 interactive and 6 warm-pass actors',
    );
  });
});
