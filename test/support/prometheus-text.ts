/** Reading the Prometheus text format in tests: one sample's value, the names of the series. */

/** The value of the sample `name{labels…}` (labels matched as a subset), or undefined when absent. */
export function sampleValue(
  text: string,
  name: string,
  labels: Record<string, string> = {},
): number | undefined {
  const wanted = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)$/.exec(line);
    if (match === null || match[1] !== name) continue;
    const have = (match[3] ?? '').split(/,(?=[a-zA-Z_]+=")/).filter((p) => p !== '');
    if (wanted.every((w) => have.includes(w))) return Number(match[4]);
  }
  return undefined;
}

/** The sum of every sample of `name` whose labels include `labels`. */
export function sampleSum(text: string, name: string, labels: Record<string, string> = {}): number {
  const wanted = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  let sum = 0;
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)$/.exec(line);
    if (match === null || match[1] !== name) continue;
    const have = (match[3] ?? '').split(/,(?=[a-zA-Z_]+=")/).filter((p) => p !== '');
    if (wanted.every((w) => have.includes(w))) sum += Number(match[4]);
  }
  return sum;
}

/** `# TYPE name type` of every metric in the text. */
export function metricTypes(text: string): Map<string, string> {
  const types = new Map<string, string>();
  for (const match of text.matchAll(/^# TYPE (\S+) (\S+)$/gm)) types.set(match[1]!, match[2]!);
  return types;
}

/** GET `url` and its body, failing on a non-200 answer. */
export async function scrape(url: string): Promise<string> {
  const res = await fetch(url);
  if (res.status !== 200) throw new Error(`GET ${url}: ${res.status} ${await res.text()}`);
  return res.text();
}
