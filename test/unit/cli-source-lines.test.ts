/** sourceLines / splitLines: a byte stream cut into lines, in flat memory, with what cannot be read named. */
import { Readable } from 'node:stream';
import { sourceLines, splitLines, type SourceLine } from '../../src/cli/source-lines';

async function collect(chunks: (string | Buffer)[]): Promise<string[]> {
  const lines: string[] = [];
  for await (const line of splitLines(Readable.from(chunks))) lines.push(line);
  return lines;
}

async function read(chunks: (string | Buffer)[], maxLineBytes?: number): Promise<SourceLine[]> {
  const lines: SourceLine[] = [];
  for await (const line of sourceLines(Readable.from(chunks), maxLineBytes)) lines.push(line);
  return lines;
}

describe('splitLines', () => {
  it('splits on \\n and \\r\\n, across chunk boundaries, with or without a final newline', async () => {
    expect(await collect(['ab', 'c\nde', 'f\r', '\n\ng', 'h'])).toEqual(['abc', 'def', '', 'gh']);
    expect(await collect(['one\n'])).toEqual(['one']);
    expect(await collect([])).toEqual([]);
  });

  it('decodes a UTF-8 character split between two chunks', async () => {
    const bytes = Buffer.from('{"actorId":"trần-ngọc"}\n', 'utf8');
    const cut = bytes.indexOf(Buffer.from('ầ', 'utf8')) + 1;
    expect(await collect([bytes.subarray(0, cut), bytes.subarray(cut)])).toEqual(['{"actorId":"trần-ngọc"}']);
  });
});

describe('a byte order mark and bytes that are not UTF-8', () => {
  const BOM = Buffer.from([0xef, 0xbb, 0xbf]);

  it('drops a byte order mark before the first line only, in one chunk or split', async () => {
    expect(await collect([Buffer.concat([BOM, Buffer.from('a\n\ufeffb\n')])])).toEqual(['a', '\ufeffb']);
    expect(
      await collect([BOM.subarray(0, 2), Buffer.concat([BOM.subarray(2), Buffer.from('a\nb')])]),
    ).toEqual(['a', 'b']);
  });

  it('marks a line whose bytes are not UTF-8, and keeps a real U+FFFD as text', async () => {
    const input = [
      Buffer.from('ok \ufffd\n'),
      Buffer.from([0x62, 0x61, 0x64, 0xff, 0x0a]),
      Buffer.from('next'),
    ];
    const lines = await read(input);
    expect(lines.map((l) => [l.lineNumber, l.text, l.problem?.message])).toEqual([
      [1, 'ok \ufffd', undefined],
      [2, 'bad\ufffd', 'not valid JSON: the line is not UTF-8 text'],
      [3, 'next', undefined],
    ]);
    await expect(collect(input)).rejects.toMatchObject({ code: 'INVALID_JSON', line: 2 });
  });
});

describe('a line over maxLineBytes', () => {
  it('is read past without buffering and named, in one chunk or many; the next lines are read', async () => {
    const long = 'x'.repeat(25);
    for (const chunks of [
      [`ok\n${long}\nafter\n`],
      ['ok\nxxxxx', 'x'.repeat(10), `${'x'.repeat(10)}\nafter`],
    ]) {
      const lines = await read(chunks, 20);
      expect(lines.map((l) => [l.lineNumber, l.text, l.problem?.code])).toEqual([
        [1, 'ok', undefined],
        [2, '', 'LINE_TOO_LONG'],
        [3, 'after', undefined],
      ]);
      expect(lines[1]!.problem!.toJSON()).toEqual({
        code: 'LINE_TOO_LONG',
        message: 'the line is 25 bytes, over the limit of 20 bytes',
        line: 2,
      });
    }
  });

  it('names an over-long last line without a newline, and keeps a line exactly at the limit', async () => {
    const lines = await read(['a'.repeat(20), '\n', 'b'.repeat(15), 'b'.repeat(15)], 20);
    expect(lines.map((l) => [l.lineNumber, l.text.length, l.problem?.code])).toEqual([
      [1, 20, undefined],
      [2, 0, 'LINE_TOO_LONG'],
    ]);
  });

  it('counts every byte of a line that went over the limit mid-way, buffered ones included', async () => {
    const lines = await read([`ok\n${'x'.repeat(15)}`, 'x'.repeat(10), `${'x'.repeat(5)}\nafter`], 20);
    expect(lines.map((l) => [l.lineNumber, l.text, l.problem?.message])).toEqual([
      [1, 'ok', undefined],
      [2, '', 'the line is 30 bytes, over the limit of 20 bytes'],
      [3, 'after', undefined],
    ]);
  });

  it('is thrown by splitLines, for readers that take every line or none', async () => {
    const chunks = ['ok\n', 'x'.repeat(17 * 1024 * 1024), '\n'];
    await expect(collect(chunks)).rejects.toMatchObject({ code: 'LINE_TOO_LONG', line: 2 });
  });
});
