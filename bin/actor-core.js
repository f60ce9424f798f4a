#!/usr/bin/env node
'use strict';
// The actor-core command line; the code is in src/cli (built into dist/ by `npm run build`).

let cli;
try {
  cli = require('../dist/src/cli/main.js');
} catch (err) {
  process.stderr.write(
    `actor-core: cannot load dist/src/cli/main.js (run "npm run build"): ${String(err.message).split('\n')[0]}\n`,
  );
  process.exit(1);
}

cli.main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    process.stderr.write(`actor-core: internal error: ${err && err.message}\n`);
    process.exitCode = 1;
  },
);
