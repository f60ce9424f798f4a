/**
 * Snapshot validators: the ETag `"<version>-<registryVersion>"` changes exactly when the snapshot can
 * (a new actor version, or new registries), so a client holding the current one gets a 304 without
 * the body. If-None-Match uses the weak comparison (RFC 9110 §13.1.2): `W/` prefixes are ignored.
 */
export function snapshotEtag(version: number, registryVersion: string): string {
  return `"${version}-${registryVersion}"`;
}

export function etagMatches(ifNoneMatch: string, etag: string): boolean {
  // The usual case, one strong tag, without splitting anything.
  if (ifNoneMatch === etag || ifNoneMatch === '*') return true;
  if (ifNoneMatch.indexOf(',') === -1 && !ifNoneMatch.startsWith('W/')) return false;
  for (const part of ifNoneMatch.split(',')) {
    let tag = part.trim();
    if (tag.startsWith('W/')) tag = tag.slice(2);
    if (tag === etag || tag === '*') return true;
  }
  return false;
}
