/** `actor-core explain --dimension D`: how one dimension's value came about, as text or JSON. */
import { InvalidArgumentError, type Command } from 'commander';
import { DIMENSION_PATTERN, explain, explanationJson, isActorCoreError, type Explanation } from '../core';
import { writeWithBackpressure, type CliIo } from './cli-io';
import {
  addRegistryOptions,
  addVersionOption,
  loadCliRegistries,
  type RegistryOptions,
} from './common-options';
import { formatExplanation } from './format-explanation';
import { inputName, parseOutputsInput, readInputText } from './read-input';

interface ExplainOptions extends RegistryOptions {
  dimension: string;
  version?: number;
  json?: boolean;
}

const HELP_AFTER = `
Input:
  FILE holds a JSON array of SubsystemOutput (as for "resolve"); without FILE, or with "-", stdin is read.

Output:
  A report of the dimension: its rule (pipeline or operator, clamp_default), every contribution in
  the order applied with the running value, every cap layer with its caps and its [Min, Max], which
  layer bound the range (and any other at the same value), and the final clamp and value, for
  Primary and Derived. With --json, the Explanation object instead (its fields: the README's CLI
  section), with ±∞ and NaN written as the strings "Infinity", "-Infinity" and "NaN" (JSON has no
  such numbers). A dimension no subsystem mentions is reported as not seen (exit 0). Input that
  "resolve" rejects is rejected here too, with the same error: it has no snapshot to explain.

Exit codes: 0 explained, 1 internal error, 2 bad input, registry or command line (one line on stderr).

Example:
  $ actor-core explain --dimension strength outputs.json`;

async function runExplain(file: string | undefined, options: ExplainOptions, io: CliIo): Promise<void> {
  const registries = loadCliRegistries(options);
  const name = inputName(file);
  const outputs = parseOutputsInput(await readInputText(file, io.stdin), name);
  let explanation: Explanation;
  try {
    explanation = explain(outputs, options.dimension, registries.compiled, options.version ?? 1);
  } catch (err) {
    throw isActorCoreError(err) ? err.locate({ file: name }) : err;
  }
  const text = options.json === true ? `${explanationJson(explanation)}\n` : formatExplanation(explanation);
  await writeWithBackpressure(io.stdout, text);
}

/** Commander parser of `--dimension`: a name that a dimension can have. */
function parseDimension(text: string): string {
  if (!DIMENSION_PATTERN.test(text))
    throw new InvalidArgumentError('a dimension name matches ^[a-z][a-z0-9_]*$, e.g. crit_rate.');
  return text;
}

export function addExplainCommand(program: Command, io: CliIo): Command {
  const command = program
    .command('explain')
    .summary('explain how one dimension of the snapshot is computed')
    .description("Explain one dimension of an actor's snapshot: contributions, cap layers and clamps.")
    .argument('[file]', 'JSON input file, or "-" for stdin (default: stdin)')
    .requiredOption('-d, --dimension <name>', 'the dimension to explain, e.g. strength', parseDimension);
  addRegistryOptions(command);
  addVersionOption(command);
  command
    .option('--json', 'print the Explanation object as JSON instead of the text report')
    .addHelpText('after', HELP_AFTER)
    .action(async (file: string | undefined, options: ExplainOptions) => runExplain(file, options, io));
  return command;
}
