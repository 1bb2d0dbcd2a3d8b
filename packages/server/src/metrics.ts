/**
 * In-process metrics in the Prometheus text exposition format (version 0.0.4). Labels are bounded: route patterns
 * (never raw paths), status codes, failure reasons.
 * @module
 */

/** Latency buckets in seconds. */
const BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

type Labels = Readonly<Record<string, string>>;

function labelText(labels: Labels): string {
  const parts = Object.entries(labels).map(([key, value]) => `${key}="${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`);
  return parts.length === 0 ? '' : `{${parts.join(',')}}`;
}

class Counter {
  private readonly values = new Map<string, number>();
  constructor(
    readonly name: string,
    readonly help: string,
    always: readonly Labels[] = [],
  ) {
    for (const labels of always) this.values.set(labelText(labels), 0);
  }
  inc(labels: Labels = {}, by = 1): void {
    const key = labelText(labels);
    this.values.set(key, (this.values.get(key) ?? 0) + by);
  }
  get(labels: Labels = {}): number {
    return this.values.get(labelText(labels)) ?? 0;
  }
  render(): string {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} counter`];
    for (const [key, value] of this.values) lines.push(`${this.name}${key} ${value}`);
    return lines.join('\n');
  }
}

class Histogram {
  private readonly series = new Map<string, { labels: Labels; counts: number[]; sum: number; count: number }>();
  constructor(
    readonly name: string,
    readonly help: string,
  ) {}
  observe(labels: Labels, value: number): void {
    const key = labelText(labels);
    let entry = this.series.get(key);
    if (entry === undefined) {
      entry = { labels, counts: BUCKETS.map(() => 0), sum: 0, count: 0 };
      this.series.set(key, entry);
    }
    BUCKETS.forEach((bound, i) => {
      if (value <= bound) entry.counts[i]! += 1;
    });
    entry.sum += value;
    entry.count += 1;
  }
  count(labels: Labels): number {
    return this.series.get(labelText(labels))?.count ?? 0;
  }
  render(): string {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} histogram`];
    for (const { labels, counts, sum, count } of this.series.values()) {
      BUCKETS.forEach((bound, i) => lines.push(`${this.name}_bucket${labelText({ ...labels, le: String(bound) })} ${counts[i]}`));
      lines.push(`${this.name}_bucket${labelText({ ...labels, le: '+Inf' })} ${count}`);
      lines.push(`${this.name}_sum${labelText(labels)} ${sum}`);
      lines.push(`${this.name}_count${labelText(labels)} ${count}`);
    }
    return lines.join('\n');
  }
}

/** The service's metrics. One instance per app. */
export class Metrics {
  readonly requests = new Counter('ctxpress_http_requests_total', 'HTTP requests by route pattern, method and status code.');
  readonly latency = new Histogram('ctxpress_http_request_duration_seconds', 'HTTP request latency by route pattern (to the response headers for streams).');
  readonly tokensIn = new Counter('ctxpress_tokens_in_total', 'Tokens before compression, by route.');
  readonly tokensOut = new Counter('ctxpress_tokens_out_total', 'Tokens after compression, by route.');
  readonly tokensSaved = new Counter('ctxpress_tokens_saved_total', 'Tokens removed by compression, by route.');
  readonly failures = new Counter('ctxpress_compression_failures_total', 'Compressions that failed, by reason (error code, TIMEOUT, INTERNAL).');
  readonly failOpen = new Counter('ctxpress_proxy_fail_open_total', 'Proxied requests forwarded uncompressed because compression failed, by reason.');
  readonly proxied = new Counter(
    'ctxpress_proxy_requests_total',
    'Proxied requests by route, what ctxpress did (compressed, skipped, failed-open, failed, passthrough) and why.',
  );
  readonly cacheHits = new Counter('ctxpress_cache_hits_total', 'Segment cache hits.', [{}]);
  readonly cacheMisses = new Counter('ctxpress_cache_misses_total', 'Segment cache misses.', [{}]);

  /** Compressions queued or running; set by the app. */
  queueDepth: () => number = () => 0;

  /** Records a finished request. */
  request(route: string, method: string, status: number, seconds: number): void {
    this.requests.inc({ route, method, status: String(status) });
    this.latency.observe({ route }, seconds);
  }

  /** Records a successful compression's token counts. */
  compressed(route: string, before: number, after: number): void {
    this.tokensIn.inc({ route }, before);
    this.tokensOut.inc({ route }, after);
    this.tokensSaved.inc({ route }, Math.max(0, before - after));
  }

  failure(reason: string): void {
    this.failures.inc({ reason });
  }

  /** Records what the proxy did with one request (`reason` names why it skipped or failed; "none" otherwise). */
  proxyOutcome(route: string, status: string, reason = 'none'): void {
    this.proxied.inc({ route, status, reason });
    if (status === 'failed-open') this.failOpen.inc({ reason });
  }

  /** For the segment cache: count a hit or a miss. */
  cache(hit: boolean): void {
    (hit ? this.cacheHits : this.cacheMisses).inc();
  }

  /** The Prometheus text exposition. */
  render(): string {
    return (
      [
        this.requests,
        this.latency,
        this.tokensIn,
        this.tokensOut,
        this.tokensSaved,
        this.failures,
        this.failOpen,
        this.proxied,
        this.cacheHits,
        this.cacheMisses,
      ]
        .map((metric) => metric.render())
        .concat([
          '# HELP ctxpress_compression_queue_depth Compressions waiting or running.',
          '# TYPE ctxpress_compression_queue_depth gauge',
          `ctxpress_compression_queue_depth ${this.queueDepth()}`,
        ])
        .join('\n') + '\n'
    );
  }
}
