/** How input text is shown in messages and paths (src/core/quote.ts). */
import { member, quote } from '../../src/core/quote';

describe('quote', () => {
  it('writes ordinary text as JSON does, spaces and escapes included', () => {
    for (const text of ['FLAT', '', 'a b', 'say "hi"', 'back\\slash', 'tab\there', 'ünïcødé 火'])
      expect(quote(text)).toBe(JSON.stringify(text));
  });

  it('escapes what JSON leaves as is but no reader can see', () => {
    expect(quote('a\u0085b')).toBe('"a\\u0085b"'); // C1 control (next line)
    expect(quote('a\u00a0b')).toBe('"a\\u00a0b"'); // no-break space
    expect(quote('a\u2028b\u2029')).toBe('"a\\u2028b\\u2029"'); // line and paragraph separators
    expect(quote('\ufeffa\u200d')).toBe('"\\ufeffa\\u200d"'); // format characters
    expect(quote('a\u{f0000}')).toBe('"a\\udb80\\udc00"'); // private use, beyond the BMP
  });

  it('cuts text longer than 120 units to its first 100, saying how long it was', () => {
    expect(quote('y'.repeat(120))).toBe(JSON.stringify('y'.repeat(120)));
    expect(quote('y'.repeat(121))).toBe(`"${'y'.repeat(100)}…" (121 characters)`);
  });
});

describe('member', () => {
  it('dots a key that reads as a name', () => {
    expect(member('subsystems[0].context', 'combat')).toBe('subsystems[0].context.combat');
    expect(member('x', '_a$1')).toBe('x._a$1');
  });

  it('brackets and quotes any other key, so that the path cannot be misread', () => {
    expect(member('ctx', 'a.b')).toBe('ctx["a.b"]');
    expect(member('ctx', '')).toBe('ctx[""]');
    expect(member('ctx', 'x[0]')).toBe('ctx["x[0]"]');
    expect(member('ctx', '1st')).toBe('ctx["1st"]');
    expect(member('ctx', 'a\nb')).toBe('ctx["a\\nb"]');
  });
});
