/** Context packs (AGGREGATION.md, step 3): merging the packs subsystems send, and applying one to a value. */
import { compareValues } from './order';
import type { MergedPack, ModifierPack, SubsystemOutput } from './types';

interface SourcedPack {
  system: string;
  pack: ModifierPack;
}

/** Sent packs of one context name in `(meta.system ASC)` order; equal systems tie-break on content. */
function comparePacks(a: SourcedPack, b: SourcedPack): number {
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

/** Merges packs: `additive_percent` and `post_add` summed, `multipliers` concatenated. */
export function mergePacks(packs: readonly SourcedPack[]): MergedPack {
  const sorted = packs.length > 1 ? [...packs].sort(comparePacks) : packs;
  const merged: MergedPack = { additive_percent: 0, multipliers: [], post_add: 0 };
  for (const { pack } of sorted) {
    if (pack.additive_percent !== undefined) merged.additive_percent += pack.additive_percent;
    if (pack.multipliers !== undefined) for (const m of pack.multipliers) merged.multipliers.push(m);
    if (pack.post_add !== undefined) merged.post_add += pack.post_add;
  }
  return merged;
}

/** The merged `Context` of a snapshot, or undefined when no subsystem sent one. Names in ASC order. */
export function mergeContexts(outputs: readonly SubsystemOutput[]): Record<string, MergedPack> | undefined {
  let sender = -1;
  for (let i = 0; i < outputs.length; i++) {
    if (outputs[i]!.context === undefined) continue;
    if (sender >= 0) return mergeSentContexts(outputs); // two or more senders
    sender = i;
  }
  if (sender < 0) return undefined;
  // The common case: one subsystem sends context, so each name has one pack and nothing to sort by.
  const { context, meta } = outputs[sender]!;
  const names = Object.keys(context!);
  if (names.length === 0) return undefined;
  const result: Record<string, MergedPack> = {};
  for (const name of names.sort()) {
    setEntry(result, name, mergePacks([{ system: meta.system, pack: context![name]! }]));
  }
  return result;
}

function mergeSentContexts(outputs: readonly SubsystemOutput[]): Record<string, MergedPack> | undefined {
  let byName: Map<string, SourcedPack[]> | undefined;
  for (const output of outputs) {
    const context = output.context;
    if (context === undefined) continue;
    for (const name in context) {
      byName ??= new Map();
      let list = byName.get(name);
      if (list === undefined) byName.set(name, (list = []));
      list.push({ system: output.meta.system, pack: context[name]! });
    }
  }
  if (byName === undefined) return undefined;
  const result: Record<string, MergedPack> = {};
  for (const name of [...byName.keys()].sort()) setEntry(result, name, mergePacks(byName.get(name)!));
  return result;
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
