import { fullRecordFactory, jsonRecordFactory } from '../../src/core/full-record';

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

describe('jsonRecordFactory', () => {
  it('makes a new record of every name, each holding the value at its slot, undefined included', () => {
    const make = jsonRecordFactory(['agility', 'crit_rate', 'strength'], [0, 2, 5])!;
    const values = [1.5, 'unread', undefined, 'unread', 'unread', 7];
    const first = make(values);
    expect(Object.keys(first)).toEqual(['agility', 'crit_rate', 'strength']);
    expect(first).toStrictEqual({ agility: 1.5, crit_rate: undefined, strength: 7 });
    expect(make(values)).not.toBe(first);
  });

  it('is written by JSON.stringify as a record without its undefined names, in order', () => {
    const make = jsonRecordFactory(['a', 'b', 'c', 'd'], [0, 1, 2, 3])!;
    expect(JSON.stringify(make([undefined, 2, undefined, 4]))).toBe('{"b":2,"d":4}');
    expect(JSON.stringify(make([undefined, undefined, undefined, undefined]))).toBe('{}');
  });

  it('writes reserved words and Object.prototype names as own keys', () => {
    const names = ['class', 'constructor', 'if', 'valueof'];
    const record = jsonRecordFactory(names, [0, 1, 2, 3])!([1, 2, undefined, 4]);
    expect(Object.keys(record)).toEqual(names);
    expect(JSON.stringify(record)).toBe('{"class":1,"constructor":2,"valueof":4}');
  });

  it('makes {} of no names, and no factory when a name is not of the dimension pattern', () => {
    expect(jsonRecordFactory([], [])!([])).toStrictEqual({});
    expect(jsonRecordFactory(['strength', '__proto__'], [0, 1])).toBeUndefined();
    expect(jsonRecordFactory(['strength', 'a: 1, b'], [0, 1])).toBeUndefined();
  });
});
