/** The registry's name table: every listed name found, anything else refused, one probe when it can be. */
import fc from 'fast-check';
import { NameIndex } from '../../src/core/name-index';
import { loadRegistries } from '../../src/registry';

const nameArb = fc.stringMatching(/^[a-z][a-z0-9_]{0,24}$/);

describe('NameIndex', () => {
  it('finds every name at its index and refuses every other string, whatever the names', () => {
    fc.assert(
      fc.property(fc.uniqueArray(nameArb, { maxLength: 60 }), fc.array(nameArb), (names, others) => {
        const index = new NameIndex(names);
        names.forEach((name, i) => expect(index.get(name)).toBe(i));
        // Equal contents, not identity: parsed names are other string objects than the registry's.
        names.forEach((name, i) => expect(index.get(JSON.parse(JSON.stringify(name)))).toBe(i));
        for (const other of others) if (!names.includes(other)) expect(index.get(other)).toBe(-1);
      }),
      { numRuns: 500 },
    );
  });

  it('refuses the empty string and anything that is not a string', () => {
    const index = new NameIndex(['strength', 'luck']);
    for (const value of ['', undefined, null, 7, {}, ['luck']]) expect(index.get(value)).toBe(-1);
  });

  it('gives each catalog dimension a slot of its own, so a lookup is one probe', () => {
    const { compiled } = loadRegistries();
    expect(compiled.slotIndex.perfect).toBe(true);
  });

  it.each([
    // Same length, first and last characters: the middle one tells them apart, so one probe each.
    [
      'samples the middle character when names share their length and end characters',
      ['abcde', 'abxde', 'luck'],
      'abzde',
      true,
    ],
    // Same length, first, middle and last characters: one hash for both, whatever the multiplier.
    [
      'probes when names cannot be told apart by their length and sampled characters',
      ['abcde', 'axcye', 'luck'],
      'azcze',
      false,
    ],
  ])('%s', (_behaviour, names, other, perfect) => {
    const index = new NameIndex(names);
    expect(index.perfect).toBe(perfect);
    names.forEach((name, i) => expect(index.get(name)).toBe(i));
    expect(index.get(other)).toBe(-1);
  });

  it('finds every name of a probe chain three long (names alike in length, first, middle and last character)', () => {
    const names = ['abcde', 'axcye', 'amcne', 'luck'];
    const index = new NameIndex(names);
    expect(index.perfect).toBe(false);
    names.forEach((name, i) => expect(index.get(name)).toBe(i));
    expect(index.get('azcze')).toBe(-1);
  });
});
