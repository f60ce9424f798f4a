/**
 * `${VAR}` in YAML string values: the deployment keeps secrets in the environment (a Kubernetes secret,
 * say) and the file says where they go, e.g. `password: "${DB_PASSWORD}"`.
 *
 * - `${VAR}`: the variable's value; unset is a problem naming the variable and the YAML path (an empty
 *   value is a value, as in the shell).
 * - `${VAR:-default}`: the default when VAR is unset or empty.
 * - `$${` is a literal `${`. A `$` not followed by `{` is just a `$` (passwords often hold one).
 *
 * Only values are interpolated, never keys, and a value that came from a variable is not interpolated
 * again (a password holding `${` stays as it is).
 */
import type { Env } from './tree';

export interface Interpolated {
  value: unknown;
  /** Problems by YAML path; the value at such a path is left out (it has no usable value). */
  problems: Array<{ path: string; message: string }>;
  /** The variables each interpolated path used, for messages about its value. */
  variables: Map<string, string[]>;
}

/** Values under these keys may hold secrets: a problem in them says where, not what. */
const SECRET_KEYS = new Set(['password', 'jwt_secret', 'encryption_key', 'url']);

function secretAt(at: string): boolean {
  return SECRET_KEYS.has(at.slice(at.lastIndexOf('.') + 1));
}

const REFERENCE = /\$(\$)?\{([^}]*)(\})?/g;
const INNER = /^([A-Za-z_][A-Za-z0-9_]*)(?::-([\s\S]*))?$/;

function join(parent: string, key: string | number): string {
  return parent === '' ? String(key) : `${parent}.${key}`;
}

export function interpolate(tree: unknown, env: Env): Interpolated {
  const result: Interpolated = { value: undefined, problems: [], variables: new Map() };
  result.value = walk(tree, '', env, result);
  return result;
}

function walk(value: unknown, at: string, env: Env, out: Interpolated): unknown {
  if (typeof value === 'string') return value.includes('${') ? expand(value, at, env, out) : value;
  if (Array.isArray(value)) return value.map((item, i) => walk(item, join(at, i), env, out));
  if (value !== null && typeof value === 'object') {
    const copy: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) {
      const expanded = walk(item, join(at, key), env, out);
      if (expanded !== undefined) copy[key] = expanded;
    }
    return copy;
  }
  return value;
}

function expand(text: string, at: string, env: Env, out: Interpolated): string | undefined {
  const used: string[] = [];
  let failed = false;
  const fail = (message: string): string => {
    failed = true;
    out.problems.push({ path: at, message });
    return '';
  };
  const expanded = text.replace(REFERENCE, (whole, escaped, inner: string, closed, offset: number) => {
    if (escaped !== undefined) return whole.slice(1);
    if (closed === undefined) return fail(`has "\${" without a closing "}"`);
    const match = INNER.exec(inner);
    if (match === null) {
      const what = secretAt(at) ? `at character ${offset + 1} (not shown: a secret)` : `\${${inner}}`;
      return fail(`has a malformed reference ${what}: write \${NAME} or \${NAME:-default}`);
    }
    const [, name, fallback] = match as unknown as [string, string, string | undefined];
    used.push(name);
    const present = env[name];
    if (fallback !== undefined) return present === undefined || present === '' ? fallback : present;
    if (present === undefined) {
      return fail(`uses \${${name}}, which is not set (set it, or write \${${name}:-default})`);
    }
    return present;
  });
  if (used.length > 0) out.variables.set(at, used);
  return failed ? undefined : expanded;
}
