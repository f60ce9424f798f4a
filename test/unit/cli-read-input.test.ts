import { Readable } from 'node:stream';
import { parseVersion } from '../../src/cli/common-options';
import { inputName, parseJsonInput, parseOutputsInput, readInputText } from '../../src/cli/read-input';
import { ActorCoreError } from '../../src/core';

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
