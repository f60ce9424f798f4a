import { fullRecordFactory } from '../../src/core/full-record';

describe('fullRecordFactory', () => {
  it('makes a new null-prototype record holding every name, in the given order, each call', () => {
    const make = fullRecordFactory(['agility', 'crit_rate', 'strength'])!;
    const first = make();
    const second = make();
    expect(Object.keys(first)).toEqual(['agility', 'crit_rate', 'strength']);
    expect(Object.getPrototypeOf(first)).toBeNull();
    expect(second).not.toBe(first);
    first.agility = 5;
    delete first.crit_rate;
    expect(Object.keys(second)).toEqual(['agility', 'crit_rate', 'strength']);
    expect(second.agility).toBe(0);
  });

  it('keeps the order of the names left after deletes and updates', () => {
    const record = fullRecordFactory(['a', 'b', 'c', 'd'])!();
    record.c = 3;
    delete record.b;
    record.a = 1;
    delete record.d;
    expect(JSON.stringify(record)).toBe('{"a":1,"c":3}');
  });

  it('writes reserved words and Object.prototype names as plain keys of a null-prototype record', () => {
    const record = fullRecordFactory(['class', 'constructor', 'if', 'new', 'return', 'valueof'])!();
    expect(Object.keys(record)).toEqual(['class', 'constructor', 'if', 'new', 'return', 'valueof']);
    expect(Object.getPrototypeOf(record)).toBeNull();
    expect(record.constructor).toBe(0);
  });

  it('makes no factory when a name is not of the dimension pattern, so no literal can misread it', () => {
    expect(fullRecordFactory(['strength', '__proto__'])).toBeUndefined();
    expect(fullRecordFactory(['strength', 'a: 1, b'])).toBeUndefined();
    expect(fullRecordFactory([])).toBeUndefined();
  });
});
