import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

// I/O belongs to adapters at the edge; the aggregator stays plain functions over plain data.
const ioModules = [
  'fs',
  'node:fs',
  'fs/promises',
  'node:fs/promises',
  'pg',
  'ioredis',
  'bullmq',
  'express',
  'pino',
  'child_process',
  'node:child_process',
  'net',
  'node:net',
  'http',
  'node:http',
  'https',
  'node:https',
  'worker_threads',
  'node:worker_threads',
  'piscina',
  'drizzle-orm',
  'readline',
  'node:readline',
];

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', '.data/**', '.scratch/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      'no-console': 'error',
      // Configuration is read once, in config/ code.
      'no-restricted-properties': [
        'error',
        { object: 'process', property: 'env', message: 'Read configuration in config/ only.' },
      ],
    },
  },
  {
    files: ['src/core/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: ioModules.map((name) => ({ name, message: 'src/core is pure: no I/O imports.' })),
          // Only its own modules: a package, a subpath (`pg/lib/client`), a Node built-in or a
          // module elsewhere in the project (`../pool`) could all bring I/O in.
          patterns: [
            {
              regex: '^(?!\\./)',
              message: 'src/core is pure: it imports only its own modules (./…), nothing outside it.',
            },
          ],
        },
      ],
      'no-restricted-syntax': [
        'error',
        { selector: 'ImportExpression', message: 'src/core is pure: no dynamic import().' },
      ],
      'no-restricted-globals': [
        'error',
        'process',
        'require',
        'setTimeout',
        'setInterval',
        'globalThis',
        'global',
      ],
    },
  },
  {
    files: ['config/**/*.ts', 'test/**/*.ts', 'bench/**/*.ts', '*.config.*'],
    rules: { 'no-restricted-properties': 'off' },
  },
  {
    files: ['bench/**/*.ts', 'test/**/*.ts'],
    rules: { 'no-console': 'off' },
  },
  {
    files: ['**/*.js', '**/*.cjs'],
    languageOptions: { sourceType: 'commonjs' },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
