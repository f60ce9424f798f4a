import { spawnSync } from 'node:child_process';
import { repoRoot } from '../support/shared';

// The pure-core rule is a design decision; this proves the lint configuration really enforces it.
// ESLint loads its flat config by dynamic import, which jest's VM does not allow, so one child
// process lints every probe through the ESLint API and reports the rule ids it raised.
interface Probe {
  file: string;
  code: string;
}

const PURE_CORE_IMPORTS = ['fs', 'node:fs', 'pg', 'ioredis', 'bullmq', 'express', 'pino'];
const probes: Record<string, Probe> = {
  ...Object.fromEntries(
    PURE_CORE_IMPORTS.map((name) => [
      `core imports ${name}`,
      { file: 'src/core/probe.ts', code: `import * as m from '${name}';\nexport const x = m;\n` },
    ]),
  ),
  ...Object.fromEntries(
    ['pg/lib/client', 'node:dgram', 'node:os', '../pool', '../../config/settings'].map((name) => [
      `core imports ${name}`,
      { file: 'src/core/probe.ts', code: `import * as m from '${name}';\nexport const x = m;\n` },
    ]),
  ),
  'core imports its own module': {
    file: 'src/core/probe.ts',
    code: "import { compareValues } from './order';\nexport const x = compareValues;\n",
  },
  'core imports dynamically': {
    file: 'src/core/probe.ts',
    code: "export const load = (): Promise<unknown> => import('node:fs/promises');\n",
  },
  'core reads globalThis.process': {
    file: 'src/core/probe.ts',
    code: 'export const env = globalThis.process.env;\n',
  },
  'registry imports node:fs': {
    file: 'src/registry/probe.ts',
    code: "import * as fs from 'node:fs';\nexport const x = fs;\n",
  },
  'cli reads process.env': {
    file: 'src/cli/probe.ts',
    code: 'export const url = process.env.DATABASE_URL;\n',
  },
  'cli logs to console': { file: 'src/cli/probe.ts', code: "console.log('x');\n" },
};

const script = `
const { ESLint } = require('eslint');
(async () => {
  const eslint = new ESLint({ cwd: process.cwd() });
  const probes = JSON.parse(process.argv[1]);
  const out = {};
  for (const [name, probe] of Object.entries(probes)) {
    const [result] = await eslint.lintText(probe.code, { filePath: require('path').join(process.cwd(), probe.file) });
    out[name] = result.messages.map((m) => m.ruleId);
  }
  process.stdout.write(JSON.stringify(out));
})().catch((err) => { process.stderr.write(String(err)); process.exit(1); });
`;

let rules: Record<string, string[]>;

beforeAll(() => {
  const run = spawnSync(process.execPath, ['-e', script, JSON.stringify(probes)], {
    cwd: repoRoot,
    encoding: 'utf8',
  });
  if (run.status !== 0) throw new Error(`eslint probe failed: ${run.stderr}`);
  rules = JSON.parse(run.stdout) as Record<string, string[]>;
}, 60_000);

describe('lint rules', () => {
  it.each(PURE_CORE_IMPORTS)('rejects importing %s in src/core', (name) => {
    expect(rules[`core imports ${name}`]).toContain('no-restricted-imports');
  });

  it.each(['pg/lib/client', 'node:dgram', 'node:os', '../pool', '../../config/settings'])(
    'rejects importing %s in src/core: a subpath, any built-in, anything outside src/core',
    (name) => {
      expect(rules[`core imports ${name}`]).toContain('no-restricted-imports');
    },
  );

  it('allows src/core its own modules', () => {
    expect(rules['core imports its own module']).toEqual([]);
  });

  it('rejects a dynamic import() and globalThis in src/core', () => {
    expect(rules['core imports dynamically']).toContain('no-restricted-syntax');
    expect(rules['core reads globalThis.process']).toContain('no-restricted-globals');
  });

  it('allows the same import at the edge, outside src/core', () => {
    expect(rules['registry imports node:fs']).toEqual([]);
  });

  it('rejects reading process.env outside config code', () => {
    expect(rules['cli reads process.env']).toContain('no-restricted-properties');
  });

  it('rejects console.log in src', () => {
    expect(rules['cli logs to console']).toContain('no-console');
  });
});
