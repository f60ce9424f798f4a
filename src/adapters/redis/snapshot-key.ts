/** The Redis key of one actor's cached snapshot: `<prefix>:snapshot:<actorId>` (prefix from settings). */
export function snapshotKey(keyPrefix: string, actorId: string): string {
  return `${keyPrefix}:snapshot:${actorId}`;
}
