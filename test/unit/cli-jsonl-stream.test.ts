import { Readable, Writable } from 'node:stream';
import { OutputClosedError } from '../../src/cli/cli-io';
import { isErrorLine, resolveJsonl } from '../../src/cli/jsonl-stream';
import { sourceLines, type SourceLine } from '../../src/cli/source-lines';
import { compileRegistries, resolveLineToJson } from '../../src/core';

async function* fromArray(lines: string[]): AsyncGenerator<SourceLine> {
  for (let i = 0; i < lines.length; i++) yield { text: lines[i]!, lineNumber: i + 1, problem: undefined };
}

const registries = compileRegistries({ dimensions: {} });
const actor = (id: string, value: number): string =>
  JSON.stringify({
    actorId: id,
    version: 1,
    subsystems: [
      {
        primary: [{ dimension: 'strength', bucket: 'FLAT', value, system: 'gear' }],
        derived: [],
        caps: [],
        meta: { system: 'gear' },
      },
    ],
  });

/** A slow sink with a tiny buffer that fails the test if written to while it asks for 'drain'. */
class SlowSink extends Writable {
  readonly received: string[] = [];
  violations = 0;

  constructor() {
    super({ highWaterMark: 8, decodeStrings: false });
  }

  override write(chunk: unknown, ...rest: never[]): boolean {
    if (this.writableNeedDrain) this.violations++;
    return super.write(chunk, ...rest);
  }

  override _write(chunk: string, _encoding: BufferEncoding, done: () => void): void {
    this.received.push(chunk);
    setImmediate(done);
  }
}

describe('isErrorLine', () => {
  it.each([
    [{ actorId: 'a', snapshot: {} }, false],
    [{ actorId: null, error: { code: 'INVALID_JSON' } }, true],
    [{ actorId: 'a","error":{"', snapshot: { Context: { error: {} } } }, false],
    [{ actorId: 'x\\"', error: {} }, true],
  ])('tells %j apart', (result, expected) => {
    expect(isErrorLine(JSON.stringify(result))).toBe(expected);
  });
});

describe('resolveJsonl', () => {
  it('resolves the other lines and gives a line that is not UTF-8 an error line without an actorId', async () => {
    const BOM = Buffer.from([0xef, 0xbb, 0xbf]);
    const bad = Buffer.concat([Buffer.from(actor('x', 1).replace('"x"', '"x')), Buffer.from([0xff, 0x22])]);
    const input = Buffer.concat([
      BOM,
      Buffer.from(`${actor('a', 1)}\n`),
      bad,
      Buffer.from(`\n${actor('b', 2)}\n`),
    ]);
    const sink = new SlowSink();
    const stats = await resolveJsonl(sourceLines(Readable.from([input])), registries, sink);
    expect(stats).toEqual({ actors: 3, errors: 1, lines: 3 });
    const out = sink.received
      .join('')
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line) as object);
    expect(out[0]).toMatchObject({ actorId: 'a', snapshot: { Primary: { strength: 1 } } });
    expect(out[1]).toEqual({
      actorId: null,
      error: { code: 'INVALID_JSON', message: 'not valid JSON: the line is not UTF-8 text', line: 2 },
    });
    expect(out[2]).toMatchObject({ actorId: 'b' });
  });

  it('writes one line per non-blank line, in order, numbering physical lines', async () => {
    const input = [actor('a', 1), '', '   ', 'not json', actor('b', 2)];
    const sink = new SlowSink();
    const stats = await resolveJsonl(fromArray(input), registries, sink);
    expect(stats).toEqual({ actors: 3, errors: 1, lines: 5 });
    expect(sink.received.join('')).toBe(
      [
        resolveLineToJson(input[0]!, registries, 1),
        resolveLineToJson('not json', registries, 4),
        resolveLineToJson(input[4]!, registries, 5),
        '',
      ].join('\n'),
    );
  });

  it('runs a line check only on lines that parse, and makes a refused line an error line', async () => {
    const input = [actor('a', 1), '{"actorId": "x",', actor('b', 2)];
    const sink = new SlowSink();
    const checked: string[] = [];
    const refuseB = (text: string): string | undefined => {
      checked.push(text);
      return text.includes('"b"') ? 'b is refused here' : undefined;
    };
    const stats = await resolveJsonl(fromArray(input), registries, sink, refuseB);
    expect(stats).toEqual({ actors: 3, errors: 2, lines: 3 });
    expect(checked).toEqual([input[0], input[2]]);
    const out = sink.received
      .join('')
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(out[0]).toMatchObject({ actorId: 'a', snapshot: { Primary: { strength: 1 } } });
    expect(out[1]).toMatchObject({ actorId: null, error: { code: 'INVALID_JSON', line: 2 } });
    expect(out[2]).toEqual({
      actorId: null,
      error: { code: 'INVALID_JSON', message: 'not valid input: b is refused here', line: 3 },
    });
  });

  it('waits for drain instead of writing into a full stream', async () => {
    const input = Array.from({ length: 3000 }, (_, i) => actor(`actor-${i}`, i));
    const sink = new SlowSink();
    const stats = await resolveJsonl(fromArray(input), registries, sink);
    expect(stats.actors).toBe(3000);
    expect(sink.received.length).toBeGreaterThan(1);
    expect(sink.violations).toBe(0);
    expect(sink.received.join('').split('\n')).toHaveLength(3001);
  });

  it('stops with OutputClosedError when the output goes away', async () => {
    const input = Array.from({ length: 3000 }, (_, i) => actor(`actor-${i}`, i));
    const sink = new SlowSink();
    sink.once('drain', () => sink.destroy());
    await expect(resolveJsonl(fromArray(input), registries, sink)).rejects.toBeInstanceOf(OutputClosedError);
  });
});
