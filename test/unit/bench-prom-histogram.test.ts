/** bench:api's server-side view: a histogram read from /metrics text, differenced, and its quantiles as PromQL estimates them. */
import { Histogram, Registry } from 'prom-client';
import { bucketDelta, histogramBuckets, histogramQuantile } from '../../bench/prom-histogram';

const NAME = 'test_request_duration_seconds';

async function scrape(observe: (h: Histogram<'route' | 'method'>) => void, registry = new Registry()) {
  const histogram =
    (registry.getSingleMetric(NAME) as Histogram<'route' | 'method'> | undefined) ??
    new Histogram({
      name: NAME,
      help: 'test',
      labelNames: ['method', 'route'],
      buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.005],
      registers: [registry],
    });
  observe(histogram);
  return { text: await registry.metrics(), registry };
}

it('reads the cumulative buckets of one route from a prom-client exposition', async () => {
  const { text } = await scrape((h) => {
    for (const s of [0.00005, 0.0002, 0.0002, 0.0004, 0.002, 0.02])
      h.observe({ method: 'GET', route: '/a' }, s);
    h.observe({ method: 'GET', route: '/b' }, 0.0002);
  });
  expect(histogramBuckets(text, NAME, { route: '/a' })).toEqual([
    { le: 0.0001, count: 1 },
    { le: 0.00025, count: 3 },
    { le: 0.0005, count: 4 },
    { le: 0.001, count: 4 },
    { le: 0.005, count: 5 },
    { le: Infinity, count: 6 },
  ]);
  expect(histogramBuckets(text, NAME, { route: '/nowhere' })).toEqual([]);
});

it('estimates quantiles by linear interpolation inside the bucket, as histogram_quantile does', () => {
  const buckets = [
    { le: 0.1, count: 50 },
    { le: 0.2, count: 90 },
    { le: 0.4, count: 100 },
    { le: Infinity, count: 100 },
  ];
  expect(histogramQuantile(0.5, buckets)).toBeCloseTo(0.1, 12);
  expect(histogramQuantile(0.7, buckets)).toBeCloseTo(0.15, 12);
  expect(histogramQuantile(0.99, buckets)).toBeCloseTo(0.38, 12);
  expect(histogramQuantile(0.25, buckets)).toBeCloseTo(0.05, 12);
  // Ranks in +Inf: the highest finite bound.
  expect(
    histogramQuantile(0.99, [
      { le: 1, count: 1 },
      { le: Infinity, count: 10 },
    ]),
  ).toBe(1);
  expect(histogramQuantile(0.5, [])).toBeNaN();
});

it('differences two scrapes: only what was observed in between counts', async () => {
  const first = await scrape((h) => h.observe({ method: 'GET', route: '/a' }, 0.002));
  const second = await scrape((h) => {
    for (let i = 0; i < 99; i++) h.observe({ method: 'GET', route: '/a' }, 0.0002);
  }, first.registry);
  const delta = bucketDelta(
    histogramBuckets(second.text, NAME, { route: '/a' }),
    histogramBuckets(first.text, NAME, { route: '/a' }),
  );
  expect(delta.at(-1)).toEqual({ le: Infinity, count: 99 });
  expect(histogramQuantile(0.99, delta)).toBeLessThanOrEqual(0.00025);
});
