/**
 * The README's library and producer examples compile against the package's public exports
 * (src/index.ts, what `import … from 'actor-core'` gives a service), so that what they show a service
 * can really be written.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import ts from 'typescript';

jest.setTimeout(60_000);

const repoRoot = path.resolve(__dirname, '../..');
const EXAMPLE = path.join(repoRoot, 'test/unit/readme-producer-example.ts');

/** The variables the example takes from its surroundings. */
const PRELUDE = `import type { SubsystemOutput } from 'actor-core';
declare const redisUrl: string;
declare const databaseUrl: string;
declare const manyIds: string[];
declare const output: SubsystemOutput;
declare const outputs: SubsystemOutput[];
declare const version: number;
`;

/** The first ```ts block after `heading` in the README. */
function readmeBlock(heading: string): string {
  const readme = fs.readFileSync(path.join(repoRoot, 'README.md'), 'utf8');
  const at = readme.indexOf(`\n${heading}\n`);
  if (at < 0) throw new Error(`README.md has no "${heading}" heading`);
  const block = /```ts\n([\s\S]*?)```/.exec(readme.slice(at));
  if (block === null) throw new Error(`README.md has no ts block after "${heading}"`);
  return block[1]!;
}

/** The example as a module: its imports on top, the rest in an async function (top-level await). */
function asModule(code: string): string {
  const source = ts.createSourceFile('example.ts', code, ts.ScriptTarget.ES2022);
  const imports: string[] = [];
  const body: string[] = [];
  for (const statement of source.statements) {
    (ts.isImportDeclaration(statement) ? imports : body).push(statement.getFullText(source));
  }
  return `${imports.join('')}\n${PRELUDE}\nexport async function example(): Promise<void> {${body.join('')}\n}\n`;
}

function diagnostics(text: string): string[] {
  const options: ts.CompilerOptions = {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.CommonJS,
    moduleResolution: ts.ModuleResolutionKind.Node10,
    strict: true,
    esModuleInterop: true,
    skipLibCheck: true,
    noEmit: true,
    types: ['node'],
    baseUrl: repoRoot,
    paths: { 'actor-core': ['src/index.ts'] },
  };
  const host = ts.createCompilerHost(options);
  const readFile = host.readFile.bind(host);
  const fileExists = host.fileExists.bind(host);
  const getSourceFile = host.getSourceFile.bind(host);
  host.fileExists = (file) => path.resolve(file) === EXAMPLE || fileExists(file);
  host.readFile = (file) => (path.resolve(file) === EXAMPLE ? text : readFile(file));
  host.getSourceFile = (file, version, ...rest) =>
    path.resolve(file) === EXAMPLE
      ? ts.createSourceFile(file, text, version)
      : getSourceFile(file, version, ...rest);
  const program = ts.createProgram([EXAMPLE], options, host);
  const example = program.getSourceFile(EXAMPLE)!;
  return ts
    .getPreEmitDiagnostics(program, example)
    .map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
}

describe('the README’s examples', () => {
  it('the library example compiles against the public exports', () => {
    expect(diagnostics(asModule(readmeBlock('## Library')))).toEqual([]);
  });

  it('the producer example compiles against the public exports', () => {
    expect(diagnostics(asModule(readmeBlock('### Producer')))).toEqual([]);
  });

  it('would be caught using something the package does not export', () => {
    const broken = asModule(
      readmeBlock('### Producer').replace('SnapshotCache,', 'SnapshotCache, NotExported,'),
    );
    expect(diagnostics(broken).join('\n')).toMatch(/NotExported/);
  });
});
