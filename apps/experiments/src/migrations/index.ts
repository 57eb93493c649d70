import { ExperimentsInit1763900000000 } from './1763900000000-experiments-init';
import { ExperimentsTracking1764100000000 } from './1764100000000-experiments-tracking';
import { ExperimentsSearchStatistics1765000000000 } from './1765000000000-experiments-search-statistics';
import { ExperimentsMetricPointsUnique1766000000000 } from './1766000000000-experiments-metric-points-unique';
import { ExperimentsIdempotencyKeys1767000000000 } from './1767000000000-experiments-idempotency-keys';

/** Every committed migration, in order. New migrations are appended here. */
export const experimentsMigrations = [ExperimentsInit1763900000000, ExperimentsTracking1764100000000, ExperimentsSearchStatistics1765000000000, ExperimentsMetricPointsUnique1766000000000, ExperimentsIdempotencyKeys1767000000000];
