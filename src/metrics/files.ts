import type { FileEntry } from '../lib/files.js';
import type { DatabaseContext } from '../database/index.js';

/**
 * What forge:metrics writes: the Prometheus instrumentation and the pool gauges, the optional tracing, and their
 * tests. The settings, the app's wiring, the dependencies and the README follow the project's `metrics` in their
 * own generators' files; these follow `redis` (the Redis pool's gauges), so adding Redis renders them again.
 */
export const METRICS_FILES: readonly FileEntry<DatabaseContext>[] = [
  { to: 'app/core/metrics.py' },
  { to: 'app/core/tracing.py' },
  { to: 'tests/test_metrics.py' },
];
