/**
 * The engine's metrics port and the metrics contract (issue 16): every name and unit is defined
 * here once. Each metric goes out under the function's `{service}` dimension set (what dashboards
 * and alarms use); a metric given a `detail` also goes out in a second blob under
 * `{service, integration, sync}` (plus `status` for `RunsFinished`), or for `ApiRequests` under
 * `{service, route, statusClass}`. A connection id or a raw request path is never a dimension:
 * it would make one CloudWatch metric per customer.
 */

export const METRIC_UNITS = {
  RunsFinished: 'Count',
  RunsSucceeded: 'Count',
  RunsFailed: 'Count',
  RunDuration: 'Milliseconds',
  RecordsAdded: 'Count',
  RecordsUpdated: 'Count',
  RecordsDeleted: 'Count',
  RecordsRejected: 'Count',
  DeletionRefusals: 'Count',
  Continuations: 'Count',
  WebhookAttemptsSucceeded: 'Count',
  WebhookAttemptsFailed: 'Count',
  WebhookDeadLettered: 'Count',
  TokenRefreshFailures: 'Count',
  ApiRequests: 'Count',
  ApiServerErrors: 'Count',
  OldestRunningRunAgeSeconds: 'Seconds',
  StuckRuns: 'Count',
} as const;

export type MetricName = keyof typeof METRIC_UNITS;
export type MetricUnitName = (typeof METRIC_UNITS)[MetricName];
export type CountMetric = { [K in MetricName]: (typeof METRIC_UNITS)[K] extends 'Count' ? K : never }[MetricName];
export type DurationMetric = 'RunDuration';
export type GaugeMetric = 'OldestRunningRunAgeSeconds';

/** The dimensions of a detail blob: per integration and sync, or (the API's) per route. */
export type MetricDetail = SyncMetricDetail | RouteMetricDetail;

export interface SyncMetricDetail {
  integration: string;
  sync: string;
  /** Only `RunsFinished` carries it. */
  status?: string;
}

/** Only `ApiRequests` carries it. */
export interface RouteMetricDetail {
  /** The route's OpenAPI path (`/connections/{connectionId}`) or `unmatched`; never a raw path. */
  route: string;
  statusClass: StatusClass;
}

export type StatusClass = '1xx' | '2xx' | '3xx' | '4xx' | '5xx';

/** An HTTP status as its class, e.g. 404 as `4xx`: five values at most. */
export function statusClassOf(status: number): StatusClass {
  const digit = Math.min(5, Math.max(1, Math.floor(status / 100)));
  return `${digit}xx` as StatusClass;
}

/**
 * Where the engine reports what happened. Calls buffer; `flush` publishes, once per invocation
 * (the handler wrapper calls it), so a Lambda writes a few EMF lines, not one per record.
 */
export interface Metrics {
  /** Adds `value` to a count; counts of one invocation are summed. */
  count(name: CountMetric, value: number, detail?: MetricDetail): void;
  /** One duration sample, in milliseconds; every sample is kept (CloudWatch computes percentiles). */
  duration(name: DurationMetric, ms: number, detail?: MetricDetail): void;
  /** A level sampled now; of one invocation's samples the largest is kept (the aggregate is a max). */
  gauge(name: GaugeMetric, value: number, detail?: MetricDetail): void;
  /** Publishes what was buffered and empties the buffer. */
  flush(): void;
}

/** For callers given no metrics (tools, some tests): every call is dropped. */
export const noMetrics: Metrics = {
  count: () => undefined,
  duration: () => undefined,
  gauge: () => undefined,
  flush: () => undefined,
};

/** How one invocation's samples of a metric combine into the value published. */
export function metricAggregation(name: MetricName): 'sum' | 'samples' | 'max' {
  if (name === 'RunDuration') return 'samples';
  if (name === 'OldestRunningRunAgeSeconds') return 'max';
  return 'sum';
}
