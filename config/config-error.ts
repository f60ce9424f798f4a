/**
 * A configuration that cannot be used, with every problem found: one line each, naming the file and
 * YAML path and/or the environment variable, so an operator fixes them all in one pass instead of one
 * per restart.
 */
import { ActorCoreError } from '../src/core/errors';

export interface ConfigProblem {
  /** The line an operator reads, e.g. `config/production.yaml: server.port must be …` or `PORT must be …`. */
  text: string;
  /** The variable or YAML path it is about (ActorCoreError.field). */
  field: string;
}

export class ConfigError extends ActorCoreError {
  /** One line per problem, in the order found; `message` is these lines joined by '\n'. */
  readonly problems: readonly string[];

  constructor(problems: readonly ConfigProblem[]) {
    // `field` can hold one place only: the first problem's, which for one problem is the whole story.
    super('INVALID_CONFIG', problems.map((p) => p.text).join('\n'), { field: problems[0]?.field });
    this.name = 'ConfigError';
    this.problems = problems.map((p) => p.text);
  }
}

export function isConfigError(err: unknown): err is ConfigError {
  return err instanceof ConfigError;
}
