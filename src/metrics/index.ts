import { FeatureGenerator } from '../app/feature.js';
import { METRICS_FILES } from './files.js';

/**
 * forge:metrics: Prometheus /metrics (requests counted and timed per route template, the database pool's gauges)
 * and OpenTelemetry tracing when OTEL_EXPORTER_OTLP_ENDPOINT is set. Composed by `yo forge --metrics`; run on its
 * own in a project, it adds them: its files, and the settings, app wiring, dependencies (prometheus-fastapi-
 * instrumentator; the otel extra) and README that follow `metrics`.
 */
export default class MetricsGenerator extends FeatureGenerator {
  readonly feature = 'metrics';
  readonly label = 'metrics';
  readonly files = METRICS_FILES;

  _added(): string {
    return 'Metrics added: GET /metrics for Prometheus (METRICS_ENABLED); traces once OTEL_EXPORTER_OTLP_ENDPOINT is set and the otel extra installed.';
  }
}
