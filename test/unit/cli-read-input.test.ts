import * as fs from 'node:fs';
import { Readable } from 'node:stream';
import { parseVersion } from '../../src/cli/common-options';
import {
  inputName,
  MAX_INPUT_BYTES,
  parseJsonInput,
  parseOutputsInput,
  readInputText,
} from '../../src/cli/read-input';
import { ActorCoreError } from '../../src/core';
import { TempDir } from '../support/cli';

function parseError(text: string): ActorCoreError {
  try {
    parseJsonInput(text, 'in.json');
  } catch (err) {
    return err as ActorCoreError;
  }
  throw new Error('expected a parse error');
}

describe('CLI input', () => {
  it('names stdin <stdin> and files by their path', () => {
    expect(inputName(undefined)).toBe('<stdin>');
    expect(inputName('-')).toBe('<stdin>');
    expect(inputName('a/b.json')).toBe('a/b.json');
  });

  it('reads stdin whole and drops a byte order mark', async () => {
    const stdin = Readable.from([Buffer.from('\ufeff[1,'), Buffer.from('2]')]);
    expect(await readInputText('-', stdin)).toBe('[1,2]');
  });

  it('refuses input that is not UTF-8, naming the line of the first bad byte', async () => {
    // Latin-1 "café" on line 3; decoding would have turned it into "caf\ufffd" and resolved that.
    const stdin = Readable.from([
      Buffer.from('[\n{"a": 1},\n{"system": "caf'),
      Buffer.from([0xe9]),
      Buffer.from('"}\n]'),
    ]);
    await expect(readInputText('-', stdin)).rejects.toMatchObject({
      code: 'INVALID_JSON',
      file: '<stdin>',
      message: 'not valid JSON: line 3 is not UTF-8 text',
    });
    const lastLine = Readable.from([Buffer.from('[1,\n2'), Buffer.from([0xff]), Buffer.from(']')]);
    await expect(readInputText('-', lastLine)).rejects.toMatchObject({
      message: 'not valid JSON: line 2 is not UTF-8 text',
    });
  });

  it('refuses a one-line input that is not UTF-8, naming line 1', async () => {
    const stdin = Readable.from([Buffer.from('[{"system": "caf'), Buffer.from([0xe9]), Buffer.from('"}]')]);
    await expect(readInputText('-', stdin)).rejects.toMatchObject({
      code: 'INVALID_JSON',
      file: '<stdin>',
      message: 'not valid JSON: line 1 is not UTF-8 text',
    });
  });

  it('keeps a U+FFFD that the input really holds', async () => {
    const stdin = Readable.from([Buffer.from('["caf\ufffd"]', 'utf8')]);
    expect(await readInputText('-', stdin)).toBe('["caf\ufffd"]');
  });

  it("stops reading stdin past one actor's limit and says so, pointing JSON lines to --jsonl", async () => {
    const chunk = Buffer.alloc(1024 * 1024, 0x20);
    let pulled = 0;
    const endless = Readable.from(
      (function* () {
        for (;;) {
          pulled++;
          yield chunk;
        }
      })(),
    );
    await expect(readInputText('-', endless)).rejects.toMatchObject({
      code: 'INPUT_TOO_LARGE',
      file: '<stdin>',
      message:
        "the input is more than one actor's outputs may hold (64 MiB); " +
        'JSON lines, one actor a line, are read with --jsonl',
    });
    // The first chunk past the limit stops it; the stream may have read a few ahead.
    expect(pulled).toBeLessThan(MAX_INPUT_BYTES / chunk.length + 8);
  });

  it('refuses a file over the limit by its size, and reads one at the limit', async () => {
    const tmp = new TempDir();
    try {
      // Sparse files of spaces' size: nothing is written to disk.
      const over = tmp.write('over.json', '');
      fs.truncateSync(over, MAX_INPUT_BYTES + 1);
      await expect(readInputText(over, Readable.from([]))).rejects.toMatchObject({
        code: 'INPUT_TOO_LARGE',
        file: over,
        message: expect.stringMatching(/^the input \(65 MiB\) is more than .* \(64 MiB\); .*--jsonl$/),
      });
      const at = tmp.write('at.json', '');
      fs.truncateSync(at, MAX_INPUT_BYTES);
      expect((await readInputText(at, Readable.from([]))).length).toBe(MAX_INPUT_BYTES);
    } finally {
      tmp.cleanup();
    }
  });

  it('reads stdin of exactly the limit whole', async () => {
    const chunk = Buffer.alloc(1024 * 1024, 0x20);
    const stdin = Readable.from(Array.from({ length: MAX_INPUT_BYTES / chunk.length }, () => chunk));
    expect((await readInputText('-', stdin)).length).toBe(MAX_INPUT_BYTES);
  });

  it('reads a device or pipe given as FILE to the same limit, not to its end', async () => {
    await expect(readInputText('/dev/zero', Readable.from([]))).rejects.toMatchObject({
      code: 'INPUT_TOO_LARGE',
      file: '/dev/zero',
      message: expect.stringMatching(/^the input is more than one actor's outputs may hold \(64 MiB\)/),
    });
  });

  it('fails to read a missing file with INPUT_READ_FAILED naming it', async () => {
    await expect(readInputText('/no/such/file.json', Readable.from([]))).rejects.toMatchObject({
      code: 'INPUT_READ_FAILED',
      file: '/no/such/file.json',
    });
  });

  it('reports invalid JSON as INVALID_JSON with the file, on one line, with line and column when known', () => {
    const err = parseError('[\n  1,\n  2 3\n]');
    expect(err.code).toBe('INVALID_JSON');
    expect(err.file).toBe('in.json');
    expect(err.message).toMatch(/line 3, column 5/);
    expect(parseError('[{"a":\n}]').describe()).not.toContain('\n');
    expect(parseError(' ').message).toBe('not valid JSON: the input is empty');
  });

  it('refuses a key repeated in one object, naming it and where, since only its last value would count', () => {
    const text = '[{"primary": [\n  {"dimension": "strength", "value": 1, "bucket": "FLAT", "value": 5}\n]}]';
    expect(parseError(text)).toMatchObject({
      code: 'INVALID_JSON',
      file: 'in.json',
      message:
        'not valid input: key "value" appears twice in one object (line 2, column 59); ' +
        'only its last value would count',
    });
    // The same key in two objects, or in an object and its child, is no repeat.
    expect(parseJsonInput('[{"a": {"a": 1}}, {"a": 2}]', 'in.json')).toEqual([{ a: { a: 1 } }, { a: 2 }]);
  });

  it('finds a repeated key after an array in the same object, and takes repeated array values', () => {
    expect(() => parseJsonInput('{"a": [1], "b": 1, "b": 2}', 'in.json')).toThrow(/key "b" appears twice/);
    expect(parseJsonInput('{"tags": ["x", "y", "y"]}', 'in.json')).toEqual({ tags: ['x', 'y', 'y'] });
  });

  it('points JSON lines given without --jsonl to it, and only those', () => {
    expect(parseError('[{"meta": {}}]\n[{"meta": {}}]\n').message).toMatch(
      /^not valid JSON: .* \(line 2, column 1\); JSON lines, one actor a line, are read with --jsonl$/,
    );
    expect(parseError('[{"meta": }]').message).not.toContain('--jsonl');
  });

  it('refuses a file that is not a JSON array of outputs, naming the input rather than a field', () => {
    expect(() => parseOutputsInput('{"primary": []}', 'in.json')).toThrow(
      expect.objectContaining({
        code: 'INVALID_TYPE',
        file: 'in.json',
        field: undefined,
        message: 'the input must be a JSON array of SubsystemOutput, got an object',
      }),
    );
    expect(parseOutputsInput('[]', 'in.json')).toEqual([]);
  });

  it.each([
    ['1', 1],
    ['7', 7],
    [' 12 ', 12],
  ])('accepts --version %j', (text, version) => {
    expect(parseVersion(text)).toBe(version);
  });

  it.each([['0'], ['-1'], ['1.5'], ['1e3'], ['x'], [''], ['99999999999999999999']])(
    'rejects --version %j',
    (text) => {
      expect(() => parseVersion(text)).toThrow('integer from 1 to 2^53 − 1');
    },
  );
});
