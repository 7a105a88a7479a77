/** The `Metrics` port in memory: every call kept as it was made, for engine tests to assert on. */
import { METRIC_UNITS, type MetricDetail, type MetricName, type Metrics } from '../../functions/engine/metrics.js';

export interface RecordedMetric {
  name: MetricName;
  unit: string;
  value: number;
  detail?: MetricDetail;
}

export class MemoryMetrics implements Metrics {
  readonly recorded: RecordedMetric[] = [];
  flushes = 0;

  count(name: MetricName, value: number, detail?: MetricDetail): void {
    this.record(name, value, detail);
  }
  duration(name: MetricName, ms: number, detail?: MetricDetail): void {
    this.record(name, ms, detail);
  }
  gauge(name: MetricName, value: number, detail?: MetricDetail): void {
    this.record(name, value, detail);
  }
  flush(): void {
    this.flushes++;
  }

  /** The sum of every value recorded under `name`. */
  total(name: MetricName): number {
    return this.recorded.filter((m) => m.name === name).reduce((sum, m) => sum + m.value, 0);
  }

  named(name: MetricName): RecordedMetric[] {
    return this.recorded.filter((m) => m.name === name);
  }

  private record(name: MetricName, value: number, detail?: MetricDetail): void {
    this.recorded.push({ name, unit: METRIC_UNITS[name], value, ...(detail ? { detail } : {}) });
  }
}
