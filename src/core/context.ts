/** Context packs (AGGREGATION.md, step 3): merging the packs subsystems send, and applying one to a value. */
import { ActorCoreError } from './errors';
import { compareValues } from './order';
import { member } from './quote';
import type { MergedPack, ModifierPack, SubsystemOutput } from './types';

interface SourcedPack {
  name: string;
  system: string;
  pack: ModifierPack;
}

/** Sent packs by context name, then in `(meta.system ASC)` order; equal systems tie-break on content. */
function comparePacks(a: SourcedPack, b: SourcedPack): number {
  if (a.name !== b.name) return a.name < b.name ? -1 : 1;
  if (a.system !== b.system) return a.system < b.system ? -1 : 1;
  const byPercent = compareValues(a.pack.additive_percent ?? 0, b.pack.additive_percent ?? 0);
  if (byPercent !== 0) return byPercent;
  const byPost = compareValues(a.pack.post_add ?? 0, b.pack.post_add ?? 0);
  if (byPost !== 0) return byPost;
  const ma = a.pack.multipliers ?? [];
  const mb = b.pack.multipliers ?? [];
  for (let i = 0; i < Math.min(ma.length, mb.length); i++) {
    const byFactor = compareValues(ma[i]!, mb[i]!);
    if (byFactor !== 0) return byFactor;
  }
  return ma.length - mb.length;
}

/**
 * The merged `Context` of a snapshot, or undefined when no subsystem sent a pack. Names in ASC order;
 * per name, `additive_percent` and `post_add` summed and `multipliers` concatenated, in pack order.
 * A sum that overflows throws NON_FINITE_RESULT.
 */
export function mergeContexts(outputs: readonly SubsystemOutput[]): Record<string, MergedPack> | undefined {
  let sent: SourcedPack[] | undefined;
  for (let i = 0; i < outputs.length; i++) {
    const { context, meta } = outputs[i]!;
    if (context === undefined) continue;
    for (const name in context) (sent ??= []).push({ name, system: meta.system, pack: context[name]! });
  }
  if (sent === undefined) return undefined;
  // Insertion sort: an actor's outputs send a handful of packs.
  for (let i = 1; i < sent.length; i++) {
    const item = sent[i]!;
    let j = i - 1;
    for (; j >= 0 && comparePacks(sent[j]!, item) > 0; j--) sent[j + 1] = sent[j]!;
    sent[j + 1] = item;
  }
  const result: Record<string, MergedPack> = {};
  for (let i = 0; i < sent.length;) {
    const name = sent[i]!.name;
    const merged: MergedPack = { additive_percent: 0, multipliers: [], post_add: 0 };
    for (; i < sent.length && sent[i]!.name === name; i++) {
      const pack = sent[i]!.pack;
      if (pack.additive_percent !== undefined) merged.additive_percent += pack.additive_percent;
      const multipliers = pack.multipliers;
      if (multipliers !== undefined)
        for (let m = 0; m < multipliers.length; m++) merged.multipliers.push(multipliers[m]!);
      if (pack.post_add !== undefined) merged.post_add += pack.post_add;
    }
    checkFinite(merged.additive_percent, name, 'additive_percent');
    checkFinite(merged.post_add, name, 'post_add');
    setEntry(result, name, merged);
  }
  return result;
}

/** A merged sum that overflowed (finite packs whose sum is ±∞) is rejected, as a value's overflow is. */
function checkFinite(sum: number, name: string, field: 'additive_percent' | 'post_add'): void {
  if (sum - sum === 0) return; // finite
  const path = `${member('Context', name)}.${field}`;
  throw new ActorCoreError(
    'NON_FINITE_RESULT',
    `${path} is not finite: the packs' ${field} values sum past ±1.8e308`,
    { field: path },
  );
}

function setEntry(result: Record<string, MergedPack>, name: string, pack: MergedPack): void {
  if (name !== '__proto__') {
    result[name] = pack;
    return;
  }
  // defineProperty, not assignment: a pack named "__proto__" must stay an entry, not a prototype.
  Object.defineProperty(result, name, { value: pack, enumerable: true, writable: true, configurable: true });
}

/** `base × (1 + additive_percent) × Π multipliers + post_add`; 100 with {0.2, [1.5, 1.2], 50} gives 266. */
export function applyContext(base: number, pack: ModifierPack): number {
  let value = base * (1 + (pack.additive_percent ?? 0));
  for (const m of pack.multipliers ?? []) value *= m;
  return value + (pack.post_add ?? 0);
}
