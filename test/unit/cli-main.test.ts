/**
 * `actor-core` through `main`, in process: resolve, its streams and limits, usage errors, help, and
 * failing output streams. (`explain`: cli-main-explain.test.ts.)
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { PassThrough, Readable, Writable } from 'node:stream';
import { main } from '../../src/cli/main';
import { resolveSnapshot } from '../../src/core';
import { loadRegistries } from '../../src/registry';
import {
  runMain as run,
  sampleInput as input,
  sampleOutputs as outputs,
  useCliMainFixture,
} from '../support/cli-main-fixture';
import { readJson, repoRoot } from '../support/shared';

const fx = useCliMainFixture();

describe('actor-core main, in process', () => {
  it('resolves stdin into one line of snapshot JSON', async () => {
    const result = await run(['resolve', '--registry', fx.registryFile], input);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const expected = resolveSnapshot(outputs, loadRegistries({ registry: fx.registryFile }).compiled, 1);
    expect(result.stdout).toBe(`${JSON.stringify(expected)}\n`);
    expect(expected).toMatchObject({ Primary: { lifespan_years: 100 }, Derived: { crit_rate: 0.05 } });
  });

  it('refuses "-" and an empty name as a registry file, in one line, exit 2', async () => {
    const dash = await run(['resolve', '--registry', '-'], input);
    expect(dash.code).toBe(2);
    expect(dash.stderr).toBe(
      `actor-core: option '--registry <file>' argument '-' is invalid: a registry is read from a file; standard input ("-") is for the input.\n`,
    );
    const empty = await run(['explain', '-d', 'strength', '--cap-layers', ''], input);
    expect(empty.code).toBe(2);
    expect(empty.stderr).toBe(
      `actor-core: option '--cap-layers <file>' argument '' is invalid: the file name is empty.\n`,
    );
  });

  it('reports bad input on stdin as one line naming <stdin>, exit 2', async () => {
    const result = await run(['resolve', '--registry', fx.registryFile], '[{"meta": {"system": "x"}}]');
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(
      /^actor-core: MISSING_FIELD: .*\(<stdin>, subsystem x, field subsystems\[0\]\.primary\)\n$/,
    );
  });

  it('refuses an input larger than one actor can be, in resolve and explain alike, exit 2', async () => {
    const big = fx.tmp.write('actors.jsonl', '');
    fs.truncateSync(big, 1024 * 1024 * 1024); // sparse: 1 GiB of JSON lines given without --jsonl
    for (const args of [['resolve'], ['explain', '--dimension', 'crit_rate']]) {
      const result = await run([...args, '--registry', fx.registryFile, big]);
      expect(result).toEqual({
        code: 2,
        stdout: '',
        stderr:
          "actor-core: INPUT_TOO_LARGE: the input (1,024 MiB) is more than one actor's outputs may hold " +
          `(64 MiB); JSON lines, one actor a line, are read with --jsonl (${big})\n`,
      });
    }
  });

  it('gives a line over --max-line-mb an error line and resolves the others', async () => {
    const line = (id: string): string => JSON.stringify({ actorId: id, version: 1, subsystems: outputs });
    const long = JSON.stringify({
      actorId: 'long',
      version: 1,
      subsystems: [],
      pad: 'x'.repeat(1024 * 1024),
    });
    const args = ['resolve', '--jsonl', '--max-line-mb', '1', '--registry', fx.registryFile];
    const result = await run(args, [line('a'), long, line('b')].join('\n'));
    expect(result.code).toBe(0);
    const results = result.stdout
      .trimEnd()
      .split('\n')
      .map((text) => JSON.parse(text) as Record<string, unknown>);
    expect(results.map((r) => r.actorId)).toEqual(['a', null, 'b']);
    expect(results[1]!.error).toMatchObject({ code: 'LINE_TOO_LONG', line: 2 });
    expect((await run(['resolve', '--jsonl', '--max-line-mb', '0'])).stderr).toContain('from 1 to 1024');
    expect((await run(['resolve', '--max-line-mb', '2'])).stderr).toBe(
      'actor-core: --max-line-mb needs --jsonl\n',
    );
  });

  it('makes with --strict-keys a line that repeats a key an error line, which without it reads the last value', async () => {
    const line = (id: string): string => JSON.stringify({ actorId: id, version: 1, subsystems: outputs });
    const repeated = line('twice').replace('"version":1', '"version":1,"version":2');
    const lines = [line('a'), repeated, line('b')].join('\n');
    const parse = (stdout: string): Record<string, unknown>[] =>
      stdout
        .trimEnd()
        .split('\n')
        .map((text) => JSON.parse(text) as Record<string, unknown>);
    const strict = await run(['resolve', '--jsonl', '--strict-keys', '--registry', fx.registryFile], lines);
    expect(strict.code).toBe(0);
    const results = parse(strict.stdout);
    expect(results.map((r) => r.actorId)).toEqual(['a', null, 'b']);
    const column = repeated.indexOf('"version"', repeated.indexOf('"version"') + 1) + 1;
    expect(results[1]!.error).toEqual({
      code: 'INVALID_JSON',
      message: `not valid input: key "version" appears twice in one object (column ${column}); only its last value would count`,
      line: 2,
    });
    const lenient = await run(['resolve', '--jsonl', '--registry', fx.registryFile], lines);
    expect(parse(lenient.stdout)[1]).toMatchObject({ actorId: 'twice', snapshot: { Version: 2 } });
    expect((await run(['resolve', '--strict-keys'])).stderr).toBe(
      'actor-core: --strict-keys needs --jsonl: without it, a repeated key is always refused\n',
    );
  });

  it('counts --max-line-mb in MiB: a line of some KiB is well under 1', async () => {
    const wide = `${JSON.stringify({ actorId: 'wide', version: 1, subsystems: outputs })}${' '.repeat(8 * 1024)}`;
    const result = await run(
      ['resolve', '--jsonl', '--max-line-mb', '1', '--registry', fx.registryFile],
      wide,
    );
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({
      actorId: 'wide',
      snapshot: { Primary: { lifespan_years: 100 } },
    });
  });

  it('prints with --stats a rate of actors per second that counts the actors, not the errors', async () => {
    const line = JSON.stringify({ actorId: 'a', version: 1, subsystems: outputs });
    const args = ['resolve', '--jsonl', '--stats', '--registry', fx.registryFile];
    const result = await run(args, `${line}\n${line}\n`);
    expect(result.code).toBe(0);
    const stats =
      /^actor-core: 2 actors, 0 errors, [\d.]+ s, (\d+) actors\/s, registries r1-[0-9a-f]{16}\n$/.exec(
        result.stderr,
      );
    expect(stats).not.toBeNull();
    expect(Number(stats![1])).toBeGreaterThan(0);
  });

  it('refuses --version 0, since an actor version starts at 1, exit 2', async () => {
    const result = await run(['resolve', '--version', '0', '--registry', fx.registryFile], input);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain('the version must be an integer from 1 to 2^53');
  });

  it('refuses a mistyped option or a second input file in one prefixed line, exit 2', async () => {
    const typo = await run(['resolve', '--jsnl']);
    expect([typo.code, typo.stdout, typo.stderr]).toEqual([
      2,
      '',
      "actor-core: unknown option '--jsnl' (Did you mean --jsonl?)\n",
    ]);
    const twoFiles = await run(['resolve', fx.registryFile, fx.registryFile]);
    expect(twoFiles.code).toBe(2);
    expect(twoFiles.stderr).toBe(
      "actor-core: too many arguments for 'resolve'. Expected 1 argument but got 2.\n",
    );
  });

  it('refuses a worker lane it does not know with one line naming the choices, exit 2', async () => {
    const result = await run(['worker', '--lane', 'fast']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(
      /'--lane <lane>' argument 'fast' is invalid\. Allowed choices are all, bulk, interactive/,
    );
  });

  it.each([
    [['--threads', '257'], "'--threads' must be an integer from 1 to 256."],
    [['--concurrency', '1001'], "'--concurrency' must be an integer from 1 to 1000."],
    [['--threads', '0'], "'--threads' must be an integer from 1 to 256."],
  ])('refuses worker %j beyond what the configuration allows, exit 2', async (flags, message) => {
    const result = await run(['worker', ...flags]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(message.replace(/'/g, ''));
  });

  it('reports an unexpected failure as one line, exit 1', async () => {
    const stdout = new Writable({ write: (_chunk, _encoding, done) => done() });
    stdout.write = () => {
      throw new Error('disk on fire');
    };
    const stderr = new PassThrough();
    const code = await main(['resolve', '--registry', fx.registryFile], {
      stdin: Readable.from([input]),
      stdout,
      stderr,
    });
    expect(code).toBe(1);
    expect(String(stderr.read())).toBe('actor-core: internal error: Error: disk on fire\n');
  });

  describe('when stdout fails while streaming', () => {
    const actors = Array.from({ length: 2000 }, (_, i) =>
      JSON.stringify({ actorId: `a${i}`, version: 1, subsystems: outputs }),
    ).join('\n');

    async function streamInto(failure: NodeJS.ErrnoException): Promise<{ code: number; stderr: string }> {
      const stdout = new Writable({ write: (_chunk, _encoding, done) => done(failure) });
      const stderr = new PassThrough();
      const stdin = Readable.from([Buffer.from(actors)]);
      const code = await main(['resolve', '--jsonl', '--registry', fx.registryFile], {
        stdin,
        stdout,
        stderr,
      });
      return { code, stderr: String(stderr.read() ?? '') };
    }

    it('stops quietly with exit 0 when the reader went away (EPIPE)', async () => {
      const epipe = Object.assign(new Error('write EPIPE'), { code: 'EPIPE', syscall: 'write' });
      expect(await streamInto(epipe)).toEqual({ code: 0, stderr: '' });
    });

    it('reports any other write failure as one line, exit 1', async () => {
      const full = Object.assign(new Error('ENOSPC: no space left on device, write'), {
        code: 'ENOSPC',
        syscall: 'write',
      });
      expect(await streamInto(full)).toEqual({
        code: 1,
        stderr: 'actor-core: cannot write the output: ENOSPC: no space left on device, write\n',
      });
    });
  });

  it('prints help with no arguments, and the version with --version', async () => {
    const help = await run([]);
    expect(help).toMatchObject({ code: 0, stderr: '' });
    expect(help.stdout).toContain('Usage: actor-core [options] [command]');
    const version = await run(['--version']);
    const pkg = readJson(path.join(repoRoot, 'package.json')) as { version: string };
    expect(version).toEqual({ code: 0, stdout: `${pkg.version}\n`, stderr: '' });
  });

  it('answers help on an unknown command with one line, exit 2, and help on a known one on stdout', async () => {
    expect(await run(['help', 'bogus'])).toEqual({
      code: 2,
      stdout: '',
      stderr: "actor-core: unknown command 'bogus' (see actor-core --help)\n",
    });
    const known = await run(['help', 'resolve']);
    expect(known).toMatchObject({ code: 0, stderr: '' });
    expect(known.stdout).toContain('Usage: actor-core resolve');
  });

  it('exits 1 when the help cannot be written (a full disk fails the write after it returned)', async () => {
    const full = Object.assign(new Error('ENOSPC: no space left on device, write'), {
      code: 'ENOSPC',
      syscall: 'write',
    });
    const stdout = new Writable({ write: (_chunk, _encoding, done) => setImmediate(() => done(full)) });
    const stderr = new PassThrough();
    const code = await main(['--help'], { stdin: Readable.from([]), stdout, stderr });
    expect({ code, stderr: String(stderr.read() ?? '') }).toEqual({
      code: 1,
      stderr: 'actor-core: cannot write the output: ENOSPC: no space left on device, write\n',
    });
  });

  it('exits 2 on usage errors, with commander’s message on one line', async () => {
    const result = await run(['resolve', '--stats', '-']);
    expect(result).toEqual({ code: 2, stdout: '', stderr: 'actor-core: --stats needs --jsonl\n' });
    const pretty = await run(['resolve', '--jsonl', '--pretty', '-']);
    expect(pretty.code).toBe(2);
    expect(pretty.stderr).toContain('--pretty cannot be used with --jsonl');
  });
});
