/** checkActorId and the stores' text check: what Postgres cannot store, or would store as another id. */
import { checkActorId } from '../../src/adapters/pg/actor-id';
import { isPastMaxVersion, MAX_ACTOR_VERSION } from '../../src/adapters/pg/actor-version';
import { checkStorableJson } from '../../src/adapters/storable-json';

describe('checkActorId', () => {
  it.each(['dup\ud800', 'dup\udfff', '\udc00x', 'x\ud83d'])(
    'refuses the lone surrogate in %j, showing it escaped',
    (id) => {
      expect(() => checkActorId(id)).toThrow(
        expect.objectContaining({
          code: 'INVALID_ACTOR_ID',
          field: 'actorId',
          permanent: true,
          message: expect.stringContaining(JSON.stringify(id)),
        }),
      );
    },
  );

  it('takes a surrogate pair (an emoji) and names the given field', () => {
    expect(checkActorId('hero-\ud83d\ude00')).toBe('hero-\ud83d\ude00');
    expect(() => checkActorId('a\ud800', 'actorIds[3]')).toThrow(
      expect.objectContaining({ field: 'actorIds[3]' }),
    );
  });
});

describe('checkStorableJson', () => {
  it('names the field below the given one, with the rest of the location', () => {
    expect(() => checkStorableJson({ meta: { stage: 'a\u0000' } }, { actorId: 'a1', line: 4 })).toThrow(
      expect.objectContaining({
        code: 'INVALID_TYPE',
        field: 'meta.stage',
        actorId: 'a1',
        line: 4,
        message: 'meta.stage: must not contain a NUL character or a lone surrogate',
      }),
    );
    expect(() => checkStorableJson({ tags: ['\udfff'] }, { field: 'data' })).toThrow(
      expect.objectContaining({ field: 'data.tags[0]' }),
    );
    expect(() => checkStorableJson('x\u0000')).toThrow(
      expect.objectContaining({ message: expect.stringMatching(/^the value must not contain/) }),
    );
    expect(() => checkStorableJson({ ok: ['\ud83d\ude00', 1, null] })).not.toThrow();
  });
});

describe('MAX_ACTOR_VERSION', () => {
  it('is the highest version a worker resolves (2^53 − 1), compared exactly past it', () => {
    expect(MAX_ACTOR_VERSION).toBe(2 ** 53 - 1);
    expect(isPastMaxVersion('9007199254740991')).toBe(false);
    expect(isPastMaxVersion('9007199254740992')).toBe(true);
    expect(isPastMaxVersion('9007199254740993')).toBe(true);
  });
});
