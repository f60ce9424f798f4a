/** The text report of `actor-core explain`, for game designers: one Explanation, top to bottom. */
import type { CapContribution, Explanation, LayerExplanation, SectionExplanation } from '../core';

type SideBounds = LayerExplanation['max'];

export function formatNumber(n: number | undefined): string {
  if (n === undefined) return '—';
  if (n === Infinity) return '+∞';
  if (n === -Infinity) return '−∞';
  return Object.is(n, -0) ? '-0' : String(n);
}

function range(min: number, max: number): string {
  return `[${formatNumber(min)}, ${formatNumber(max)}]`;
}

function ruleLines(e: Explanation): string[] {
  const how = e.rule.use_pipeline
    ? 'pipeline: Σ FLAT × Π(1 + MULT) + Σ POST_ADD; the first OVERRIDE (highest priority) replaces it'
    : `operator ${e.rule.operator ?? 'SUM'} over every value, in sort order (buckets are ignored)`;
  const source = e.rule.listed
    ? 'listed in the combiner registry'
    : 'not listed in the combiner registry: defaults.clamp_default applies';
  const { min, max } = e.rule.clamp_default;
  return ['Rule', `  ${how}`, `  clamp_default ${range(min, max)} (${source})`];
}

function capLine(cap: CapContribution): string {
  const extras = [`priority ${cap.priority ?? 0}`];
  if (cap.realm !== undefined) extras.push(`realm ${cap.realm}`);
  if (cap.tags !== undefined && cap.tags.length > 0) extras.push(`tags ${cap.tags.join(', ')}`);
  return `    ${cap.kind.padEnd(3)}  ${cap.mode.padEnd(8)}  ${formatNumber(cap.value).padStart(10)}  from ${cap.system} (${extras.join(', ')})`;
}

/** How one side of a layer got its value, e.g. `Max 600 = min(baseline + additive 700, hard 600, clamp_default 999999)`. */
function sideLine(label: 'Max' | 'Min', side: SideBounds, clampDefault: number): string {
  const terms: string[] = [];
  if (side.override !== undefined) terms.push(`override ${formatNumber(side.override)}`);
  else if (side.baseline !== undefined || side.additive !== undefined) {
    const sum = (side.baseline ?? 0) + (side.additive ?? 0);
    terms.push(
      `baseline ${formatNumber(side.baseline ?? 0)} + additive ${formatNumber(side.additive ?? 0)} = ${formatNumber(sum)}`,
    );
  }
  if (side.hard !== undefined)
    terms.push(`${label === 'Max' ? 'HARD_MAX' : 'HARD_MIN'} ${formatNumber(side.hard)}`);
  terms.push(`clamp_default ${formatNumber(clampDefault)}`);
  return `    ${label} ${formatNumber(side.value)} = ${label === 'Max' ? 'min' : 'max'}(${terms.join(', ')})`;
}

function layerLines(e: Explanation): string[] {
  const lines = [`Cap layers (across_policy ${e.across_policy}; layers holding caps, in registry order)`];
  if (e.layers.length === 0) lines.push('  no caps: the range is clamp_default');
  for (const layer of e.layers) {
    lines.push(`  ${layer.layer}  ${range(layer.Min, layer.Max)}`);
    for (const cap of layer.caps) lines.push(capLine(cap));
    lines.push(sideLine('Max', layer.max, e.rule.clamp_default.max));
    lines.push(sideLine('Min', layer.min, e.rule.clamp_default.min));
    if (layer.min.value > layer.max.value) lines.push('    Min > Max, so Min = Max');
  }
  const used = e.capsUsed;
  lines.push(
    '',
    `Range used ${range(used.Min, used.Max)}: Min set by ${sources(used.minFrom, used.minAlsoFrom)}, ` +
      `Max set by ${sources(used.maxFrom, used.maxAlsoFrom)}`,
  );
  if (used.floorAboveMax !== null) {
    lines.push(
      `  the floor ${formatNumber(used.floorAboveMax)} (set by ${used.minFrom}) is above Max ` +
        `${formatNumber(used.Max)} (set by ${used.maxFrom}), so Min = Max`,
    );
  }
  lines.push(...fixedSideLines('Max', used.maxFixedBy, e), ...fixedSideLines('Min', used.minFixedBy, e));
  return lines;
}

/** `WORLD`, or `WORLD, and TOTAL at the same value` when other sources give the same bound. */
function sources(from: string, alsoFrom: readonly string[]): string {
  return alsoFrom.length === 0 ? from : `${from}, and ${alsoFrom.join(', ')} at the same value`;
}

/** PRIORITIZED_OVERRIDE: which layer fixed a side, and the layers that then did not count on it. */
function fixedSideLines(label: 'Max' | 'Min', by: string | null, e: Explanation): string[] {
  if (by === null) return [];
  const at = e.layers.findIndex((layer) => layer.layer === by);
  const bounds = (layers: LayerExplanation[]): string =>
    layers.map((layer) => `${layer.layer} ${formatNumber(layer[label])}`).join(', ');
  const lines = [`  ${label} fixed by the OVERRIDE of ${by}, the first layer holding one on that side`];
  const before = e.layers.slice(0, at);
  const after = e.layers.slice(at + 1);
  if (before.length > 0)
    lines.push(`    it replaces the ${label} of the layers before it: ${bounds(before)}`);
  if (after.length > 0) lines.push(`    the layers after it do not change it: ${bounds(after)}`);
  return lines;
}

function stepTable(section: SectionExplanation): string[] {
  const header = ['#', 'bucket', 'priority', 'value', 'running', 'system'];
  const rows = section.steps.map((s, i) => [
    String(i + 1),
    s.bucket,
    String(s.priority),
    formatNumber(s.value),
    formatNumber(s.running),
    s.system,
  ]);
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c]!.length)));
  const right = new Set([0, 2, 3, 4]);
  const render = (cells: string[]): string =>
    `  ${cells
      .map((cell, c) =>
        c === cells.length - 1 ? cell : right.has(c) ? cell.padStart(widths[c]!) : cell.padEnd(widths[c]!),
      )
      .join('  ')}`;
  return [render(header), ...rows.map(render)];
}

function clampLine(section: SectionExplanation, e: Explanation): string {
  const c = formatNumber(section.candidate);
  if (section.clampedBy === null)
    return `  candidate ${c} is within ${range(e.capsUsed.Min, e.capsUsed.Max)}: not clamped`;
  const { side, source } = section.clampedBy;
  const floor = e.capsUsed.floorAboveMax;
  const { minAlsoFrom, maxAlsoFrom } = e.capsUsed;
  const minSource =
    floor === null
      ? `set by ${sources(source, minAlsoFrom)}`
      : `the floor of ${sources(source, minAlsoFrom)}, ${formatNumber(floor)}, lowered to Max`;
  return side === 'min'
    ? `  candidate ${c} is below Min ${formatNumber(e.capsUsed.Min)} (${minSource}): raised to ${formatNumber(section.value)}`
    : `  candidate ${c} is above Max ${formatNumber(e.capsUsed.Max)} (set by ${sources(source, maxAlsoFrom)}): lowered to ${formatNumber(section.value)}`;
}

function sectionLines(
  name: 'Primary' | 'Derived',
  section: SectionExplanation | undefined,
  e: Explanation,
): string[] {
  if (section === undefined) return [`${name}: no ${name.toLowerCase()} contributions`];
  const mode = section.mode === 'pipeline' ? 'pipeline' : `operator ${section.operator ?? 'SUM'}`;
  return [
    `${name} (${mode}), contributions in the order applied`,
    ...stepTable(section),
    clampLine(section, e),
    `  ${name}.${e.dimension} = ${formatNumber(section.value)}`,
  ];
}

export function formatExplanation(e: Explanation): string {
  const title = `${e.dimension} (actor version ${e.version})`;
  if (!e.seen) {
    return [
      `${title}: not seen. No subsystem sent a contribution or a cap for it, so the snapshot has no value for it.`,
      '',
      ...ruleLines(e),
      '',
    ].join('\n');
  }
  return [
    title,
    '',
    ...ruleLines(e),
    '',
    ...layerLines(e),
    '',
    ...sectionLines('Primary', e.primary, e),
    '',
    ...sectionLines('Derived', e.derived, e),
    '',
  ].join('\n');
}
