/**
 * What a token may do, from its `scope` claim (space-separated, OAuth style). `admin` implies every
 * other scope.
 */
export const SCOPES = ['actors:write', 'jobs:write', 'snapshots:read', 'admin'] as const;

export type Scope = (typeof SCOPES)[number];

export function isScope(value: string): value is Scope {
  return (SCOPES as readonly string[]).includes(value);
}

/** The scopes of a `scope` claim (unknown ones are kept: they grant nothing here). */
export function parseScopeClaim(claim: unknown): ReadonlySet<string> {
  if (typeof claim !== 'string') return new Set();
  return new Set(claim.split(' ').filter((part) => part !== ''));
}

export function hasScope(scopes: ReadonlySet<string>, scope: Scope): boolean {
  return scopes.has(scope) || scopes.has('admin');
}
