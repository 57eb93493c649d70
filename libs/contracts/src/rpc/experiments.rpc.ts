import { z } from 'zod';
import { rpcContract } from './rpc';

/** A run as other contexts see it: identity, status, params and the latest value of each metric. */
export const RunSummary = z.object({
  id: z.string(),
  experimentId: z.string(),
  experimentName: z.string(),
  name: z.string().nullable(),
  status: z.string(),
  params: z.record(z.string(), z.string()),
  metrics: z.record(z.string(), z.number()),
  /** Datasets the run consumed: `{ id, name, digest, context }`. */
  datasets: z.array(z.object({ id: z.string(), name: z.string(), digest: z.string(), context: z.string().nullable() })),
  /** Where the run's artifacts live (`s3://<bucket>/experiments/<experiment>/<run>/artifacts`); absent from older replicas. */
  artifactUri: z.string().optional(),
});
export type RunSummary = z.infer<typeof RunSummary>;

/** `rpc.experiments.run_summary.v1`: summaries of up to 100 runs; unknown ids come back in `missing`. */
export const RUN_SUMMARY_RPC = rpcContract(
  'rpc.experiments.run_summary.v1',
  z.object({ runIds: z.array(z.string().min(1).max(64)).min(1).max(100) }),
  z.object({ runs: z.array(RunSummary), missing: z.array(z.string()) }),
);
