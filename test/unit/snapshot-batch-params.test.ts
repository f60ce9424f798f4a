/** The snapshot write's parameters: built without Postgres, checked byte for byte. */
import { snapshotBatchParams } from '../../src/adapters/pg/snapshot-repository';
import type { SnapshotRecord } from '../../src/adapters/snapshot-record';

const rec = (actorId: string, version: number, snapshotJson: string): SnapshotRecord => ({
  actorId,
  version,
  registryVersion: `r-${actorId}`,
  snapshotJson,
});

describe('snapshotBatchParams', () => {
  it('gives one array per column and the texts as UTF-8 bytes joined by newlines', () => {
    const texts = ['{"Version":1}', '{"Derived":{"tốc_độ":0.5},"Version":2}', '{"Version":3}'];
    const params = snapshotBatchParams(texts.map((t, i) => rec(`a${i}`, i + 1, t)));
    expect(params.actorIds).toEqual(['a0', 'a1', 'a2']);
    expect(params.versions).toEqual([1, 2, 3]);
    expect(params.registryVersions).toEqual(['r-a0', 'r-a1', 'r-a2']);
    expect(params.snapshotLines.equals(Buffer.from(texts.join('\n'), 'utf8'))).toBe(true);
  });

  it('turns raw newlines into spaces, so each text stays one line and means the same JSON', () => {
    const pretty = JSON.stringify({ Primary: { a: 1 }, Version: 4 }, null, 2);
    const params = snapshotBatchParams([rec('p', 4, pretty), rec('q', 4, '{}')]);
    const lines = params.snapshotLines.toString('utf8').split('\n');
    expect(lines).toHaveLength(2);
    expect(JSON.parse(lines[0]!)).toEqual(JSON.parse(pretty));
  });

  it('gives an empty batch empty parameters', () => {
    const params = snapshotBatchParams([]);
    expect(params.actorIds).toEqual([]);
    expect(params.snapshotLines.length).toBe(0);
  });

  it.each([
    [0, '{}', /snapshot of x: version must be a positive safe integer, got 0/],
    [1.5, '{}', /version must be a positive safe integer, got 1.5/],
    [2, '', /snapshot of x: snapshotJson must be a non-empty JSON text/],
  ])('refuses version %p with text %p, naming the actor', (version, text, message) => {
    expect(() => snapshotBatchParams([rec('ok', 1, '{}'), rec('x', version, text)])).toThrow(message);
  });
});
