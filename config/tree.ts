/** The plain shapes the loader passes around: the environment and the parsed YAML tree. */

export type Env = Readonly<Record<string, string | undefined>>;

/** A YAML mapping, before validation. */
export type Tree = Record<string, unknown>;

export function isMapping(value: unknown): value is Tree {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** The variable's trimmed value; blank counts as unset, as it always has for Actor Core's variables. */
export function envText(env: Env, variable: string): string | undefined {
  const value = env[variable]?.trim();
  return value === undefined || value === '' ? undefined : value;
}
