/** The seed/rotate-keys progress line: drawn on a terminal only, cleared at the end. */
import { PassThrough } from 'node:stream';
import { progressBar } from '../../src/cli/progress-bar';

function capture(isTTY: boolean): { out: PassThrough & { isTTY?: boolean }; text: () => string } {
  const out: PassThrough & { isTTY?: boolean } = new PassThrough();
  out.isTTY = isTTY;
  const chunks: string[] = [];
  out.on('data', (chunk: Buffer) => chunks.push(chunk.toString('utf8')));
  return { out, text: () => chunks.join('') };
}

describe('progressBar', () => {
  it('draws the fraction, count and unit in place on a terminal, then clears the line', async () => {
    const { out, text } = capture(true);
    const bar = progressBar(out);
    bar.update(2500, 0.25, 'actors');
    bar.finish();
    await new Promise((resolve) => setImmediate(resolve));
    const ESC = String.fromCharCode(0x1b);
    const drawn = text().split(ESC).join('<ESC>');
    expect(drawn).toMatch(/^\r\[#{8} {22}\] {2}25% 2,500 actors, [\d,]+\/s<ESC>\[K\r<ESC>\[K$/);
  });

  it('writes nothing when stderr is not a terminal (logs and pipes stay clean)', async () => {
    const { out, text } = capture(false);
    const bar = progressBar(out);
    bar.update(10, 0.5, 'actors');
    bar.finish();
    await new Promise((resolve) => setImmediate(resolve));
    expect(text()).toBe('');
  });

  it('redraws at most ten times a second', async () => {
    const { out, text } = capture(true);
    const bar = progressBar(out);
    for (let i = 1; i <= 50; i++) bar.update(i, undefined, 'rows');
    await new Promise((resolve) => setImmediate(resolve));
    expect(
      text()
        .split('\r')
        .filter((part) => part !== ''),
    ).toHaveLength(1);
  });
});
