/**
 * What the stores (Postgres, the Redis cache) keep for one resolved actor. The snapshot travels as its
 * JSON text: workers produce it serialized, and the stores write it as is instead of re-serializing.
 */
export interface SnapshotRecord {
  actorId: string;
  /** The actor version the snapshot was resolved at; a store never replaces a newer one with an older one. */
  version: number;
  /** `registryVersion` of the registries it was resolved with (a content hash). */
  registryVersion: string;
  /** `JSON.stringify(snapshot)`. */
  snapshotJson: string;
}

/** The durable source the cache reads through to on a miss (the Postgres snapshot repository). */
export interface SnapshotSource {
  /** The stored records of those actors that have one, in any order. */
  loadSnapshots(actorIds: readonly string[]): Promise<SnapshotRecord[]>;
}
