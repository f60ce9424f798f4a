/**
 * A grouped bar chart as a standalone SVG string, written by hand (no dependency): groups along the x
 * axis, one coloured bar per series in each group, a value on top of each bar, a legend, a y axis with
 * round ticks from zero.
 */

export interface BarSeries {
  label: string;
  /** One value per group (NaN or undefined: no bar). */
  values: (number | undefined)[];
}

export interface BarChartOptions {
  title: string;
  subtitle?: string;
  yLabel: string;
  /** The x axis: one label per group. */
  groups: string[];
  xLabel?: string;
  series: BarSeries[];
}

const COLOURS = ['#4e79a7', '#f28e2b', '#59a14f', '#e15759', '#76b7b2', '#edc948', '#b07aa1', '#9c755f'];
const FONT = 'font-family="Helvetica, Arial, sans-serif"';

function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** A round step (1, 2 or 5 × 10^k) giving about `ticks` ticks up to `max`. */
export function niceStep(max: number, ticks = 5): number {
  if (!(max > 0)) return 1;
  const raw = max / ticks;
  const power = 10 ** Math.floor(Math.log10(raw));
  const unit = raw / power;
  return (unit <= 1 ? 1 : unit <= 2 ? 2 : unit <= 5 ? 5 : 10) * power;
}

function short(value: number): string {
  if (value >= 10_000) return `${(value / 1000).toFixed(value >= 100_000 ? 0 : 1)}k`;
  return Math.round(value).toLocaleString('en');
}

export function groupedBarChart(options: BarChartOptions): string {
  const width = 760;
  const height = 440;
  const margin = { top: 70, right: 170, bottom: 60, left: 80 };
  const plotW = width - margin.left - margin.right;
  const plotH = height - margin.top - margin.bottom;
  const values = options.series.flatMap((s) => s.values).filter((v): v is number => Number.isFinite(v));
  const step = niceStep(Math.max(0, ...values));
  const top = Math.max(step, Math.ceil(Math.max(0, ...values) / step) * step);
  const y = (v: number): number => margin.top + plotH - (v / top) * plotH;
  const groupW = plotW / Math.max(1, options.groups.length);
  const barW = Math.min(40, (groupW * 0.8) / Math.max(1, options.series.length));
  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    `<text x="${margin.left}" y="28" ${FONT} font-size="17" font-weight="bold">${escapeXml(options.title)}</text>`,
  );
  if (options.subtitle !== undefined) {
    out.push(
      `<text x="${margin.left}" y="48" ${FONT} font-size="12" fill="#555">${escapeXml(options.subtitle)}</text>`,
    );
  }
  for (let v = 0; v <= top + step / 2; v += step) {
    const yy = y(v).toFixed(1);
    out.push(
      `<line x1="${margin.left}" x2="${margin.left + plotW}" y1="${yy}" y2="${yy}" stroke="#e3e3e3"/>`,
      `<text x="${margin.left - 8}" y="${yy}" ${FONT} font-size="11" text-anchor="end" dominant-baseline="middle">${short(v)}</text>`,
    );
  }
  out.push(
    `<text transform="translate(20 ${margin.top + plotH / 2}) rotate(-90)" ${FONT} font-size="12" text-anchor="middle">${escapeXml(options.yLabel)}</text>`,
  );
  options.groups.forEach((group, g) => {
    const x0 = margin.left + g * groupW + (groupW - barW * options.series.length) / 2;
    options.series.forEach((series, s) => {
      const value = series.values[g];
      if (value === undefined || !Number.isFinite(value)) return;
      const x = x0 + s * barW;
      const yy = y(value);
      out.push(
        `<rect x="${x.toFixed(1)}" y="${yy.toFixed(1)}" width="${(barW - 2).toFixed(1)}" height="${(margin.top + plotH - yy).toFixed(1)}" fill="${COLOURS[s % COLOURS.length]}"><title>${escapeXml(`${series.label}, ${group}: ${Math.round(value)}`)}</title></rect>`,
        `<text x="${(x + (barW - 2) / 2).toFixed(1)}" y="${(yy - 4).toFixed(1)}" ${FONT} font-size="10" text-anchor="middle">${short(value)}</text>`,
      );
    });
    out.push(
      `<text x="${(margin.left + (g + 0.5) * groupW).toFixed(1)}" y="${margin.top + plotH + 20}" ${FONT} font-size="12" text-anchor="middle">${escapeXml(group)}</text>`,
    );
  });
  out.push(
    `<line x1="${margin.left}" x2="${margin.left + plotW}" y1="${margin.top + plotH}" y2="${margin.top + plotH}" stroke="#333"/>`,
  );
  if (options.xLabel !== undefined) {
    out.push(
      `<text x="${margin.left + plotW / 2}" y="${height - 14}" ${FONT} font-size="12" text-anchor="middle">${escapeXml(options.xLabel)}</text>`,
    );
  }
  options.series.forEach((series, s) => {
    const yy = margin.top + 10 + s * 20;
    const x = margin.left + plotW + 20;
    out.push(
      `<rect x="${x}" y="${yy - 9}" width="12" height="12" fill="${COLOURS[s % COLOURS.length]}"/>`,
      `<text x="${x + 18}" y="${yy}" ${FONT} font-size="12">${escapeXml(series.label)}</text>`,
    );
  });
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}
