/** A snapshot record's template: the slots it has learned, in order, and when a copy of it pays. */
import { RecordTemplate } from '../../src/core/record-template';

const SLOTS = ['agility', 'crit_rate', 'luck', 'strength'];

describe('RecordTemplate', () => {
  it('starts empty: no record to copy until it learns a slot', () => {
    const template = new RecordTemplate(SLOTS);
    expect(template.held()).toEqual([]);
    expect(template.start(0)).toBeUndefined();
  });

  it('makes null-prototype records holding the learned slots in slot order, each call a new one', () => {
    const template = new RecordTemplate(SLOTS);
    template.learn(3);
    template.learn(1);
    const first = template.start(2)!;
    expect(Object.keys(first)).toEqual(['crit_rate', 'strength']);
    expect(Object.getPrototypeOf(first)).toBeNull();
    expect(template.start(2)).not.toBe(first);
    expect(template.held()).toEqual([1, 3]);
    template.learn(0);
    expect(Object.keys(template.start(3)!)).toEqual(['agility', 'crit_rate', 'strength']);
    expect(Object.keys(first)).toEqual(['crit_rate', 'strength']); // made before: unchanged
  });

  it('gives no record when fewer than half its slots will be present', () => {
    const template = new RecordTemplate(SLOTS);
    SLOTS.forEach((_, dim) => template.learn(dim));
    expect(template.start(1)).toBeUndefined();
    expect(template.start(2)).toBeDefined();
  });

  it('gives no record where the names cannot be written as keys of a literal', () => {
    const template = new RecordTemplate(['luck', '__proto__']);
    template.learn(0);
    template.learn(1);
    expect(template.start(2)).toBeUndefined();
  });

  it('makes records for JSON of the learned slots from its values, emptied by each jsonReady', () => {
    const template = new RecordTemplate(SLOTS);
    expect(template.jsonReady()).toBe(true);
    expect(template.jsonRecord()).toStrictEqual({});
    template.learn(3);
    template.learn(1);
    expect(template.jsonReady()).toBe(true);
    template.values[3] = 9;
    expect(template.jsonRecord()).toStrictEqual({ crit_rate: undefined, strength: 9 });
    expect(template.jsonReady()).toBe(true);
    expect(template.values).toEqual([undefined, undefined, undefined, undefined]);
    expect(JSON.stringify(template.jsonRecord())).toBe('{}');
  });

  it('cannot make records for JSON where the names cannot be written as keys of a literal', () => {
    const template = new RecordTemplate(['luck', '__proto__']);
    template.learn(1);
    expect(template.jsonReady()).toBe(false);
  });
});
