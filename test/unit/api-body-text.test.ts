/** checkJsonText: every string and key of a body, and its depth, checked before any schema. */
import { ApiError } from '../../src/api/api-error';
import { checkJsonText, MAX_BODY_DEPTH } from '../../src/api/validate';

function refusal(body: unknown): { field: string | undefined; message: string } | undefined {
  try {
    checkJsonText(body);
    return undefined;
  } catch (err) {
    if (!(err instanceof ApiError)) throw err;
    expect(err).toMatchObject({ status: 400, code: 'INVALID_BODY' });
    return { field: err.field, message: err.message };
  }
}

/** `{"a":[[…[leaf]…]]}`: `depth` levels of nesting in all. */
function nested(depth: number, leaf: unknown = 1): unknown {
  let value: unknown = leaf;
  for (let i = 1; i < depth; i++) value = [value];
  return { a: value };
}

it('names where a NUL, a lone surrogate or a __proto__ key is, at any depth', () => {
  expect(refusal({ caps: [{ realm: 'x' }, { realm: 'a\u0000b' }] })).toEqual({
    field: 'caps[1].realm',
    message: 'caps[1].realm: must not contain a NUL character or a lone surrogate',
  });
  expect(refusal({ meta: { ['\ud800']: 1 } })?.field).toBe('meta.\\ud800');
  expect(refusal(JSON.parse('{"tags":[{"__proto__":{}}]}'))?.field).toBe('tags[0].__proto__');
  expect(refusal({ fine: ['text', 1, null, { ok: true }] })).toBeUndefined();
});

it(`takes a body nested ${MAX_BODY_DEPTH} levels deep and refuses one level more, naming where`, () => {
  expect(refusal(nested(MAX_BODY_DEPTH))).toBeUndefined();
  const deeper = refusal(nested(MAX_BODY_DEPTH + 1));
  expect(deeper?.message).toMatch(
    new RegExp(`^a(\\[0\\]){${MAX_BODY_DEPTH - 1}}: is nested deeper than ${MAX_BODY_DEPTH} levels$`),
  );
});

it('refuses a very deep body (500,000 levels, ~1 MB, the body limit) at its depth, not after walking it', () => {
  // Each level used to copy its whole path: quadratic, minutes for this body.
  expect(refusal(nested(500_000))?.message).toMatch(/is nested deeper than 64 levels$/);
});
