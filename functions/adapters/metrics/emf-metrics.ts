/**
 * The engine's `Metrics` port over Powertools for AWS Lambda: CloudWatch embedded metric format
 * (EMF) lines, namespace `Syncline`. In Lambda the lines go to stdout, where CloudWatch Logs turns
 * them into metrics with no API call; the local runtime prints the very same lines.
 *
 * One flush writes one blob under `{service}` with every metric (counts summed, gauges at their
 * maximum, durations as their samples), then one blob per `{service, integration, sync[, status]}`
 * (or, for the API, `{service, route, statusClass}`) for the metrics that carried a detail.
 */
import { Metrics as PowertoolsMetrics } from '@aws-lambda-powertools/metrics';
import { METRIC_UNITS, metricAggregation, type MetricDetail, type MetricName, type Metrics } from '../../engine/metrics.js';

export const METRICS_NAMESPACE = 'Syncline';

export interface EmfMetricsOptions {
  /** The Powertools service name, e.g. `syncline-executor`: the one default dimension. */
  service: string;
  /** Where EMF lines go; stdout by default (what CloudWatch Logs reads in Lambda). */
  write?: (line: string) => void;
}

interface Bucket {
  dimensions: Record<string, string>;
  values: Map<MetricName, number[]>;
}

/** Powertools' own warnings (an empty flush, say) are not worth a log line here. */
const quiet = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

export function makeEmfMetrics(options: EmfMetricsOptions): Metrics {
  const write = options.write ?? ((line: string) => process.stdout.write(`${line}\n`));
  const emf = new PowertoolsMetrics({ namespace: METRICS_NAMESPACE, serviceName: options.service, logger: quiet });
  const aggregate: Bucket = { dimensions: {}, values: new Map() };
  const details = new Map<string, Bucket>();

  const add = (name: MetricName, value: number, detail?: MetricDetail) => {
    push(aggregate, name, value);
    if (!detail) return;
    const dimensions = detailDimensions(detail);
    const key = JSON.stringify(dimensions);
    let bucket = details.get(key);
    if (!bucket) details.set(key, (bucket = { dimensions, values: new Map() }));
    push(bucket, name, value);
  };

  const publish = (bucket: Bucket) => {
    if (bucket.values.size === 0) return;
    for (const [name, value] of Object.entries(bucket.dimensions)) emf.addDimension(name, value);
    for (const [name, values] of bucket.values) {
      const unit = METRIC_UNITS[name];
      const how = metricAggregation(name);
      if (how === 'samples') for (const v of values) emf.addMetric(name, unit, v);
      else emf.addMetric(name, unit, how === 'max' ? Math.max(...values) : values.reduce((a, b) => a + b, 0));
    }
    write(JSON.stringify(emf.serializeMetrics()));
    emf.clearMetrics();
    emf.clearDimensions();
  };

  return {
    count: add,
    duration: add,
    gauge: add,
    flush() {
      try {
        publish(aggregate);
        for (const bucket of details.values()) publish(bucket);
      } finally {
        aggregate.values.clear();
        details.clear();
      }
    },
  };
}

function detailDimensions(detail: MetricDetail): Record<string, string> {
  if ('route' in detail) return { route: detail.route, statusClass: detail.statusClass };
  const dimensions: Record<string, string> = { integration: detail.integration, sync: detail.sync };
  if (detail.status !== undefined) dimensions['status'] = detail.status;
  return dimensions;
}

function push(bucket: Bucket, name: MetricName, value: number): void {
  const values = bucket.values.get(name);
  if (values) values.push(value);
  else bucket.values.set(name, [value]);
}
