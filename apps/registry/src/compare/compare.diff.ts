import type { CardStatus, CompareResponse, CompareRunInfo, CompareSide, MetricDiff, ModelSignature, ParamDiff, SignatureDiff, TensorDiff, TensorSpec } from '@shipyard/contracts';
import { RunLookup, runProblem } from '../gates/run-summaries';
import type { VersionView } from '../versions/model-version.entity';
import { toVersionResponse } from '../versions/version.mapper';

const sortedKeys = (...records: Array<Record<string, unknown>>) => [...new Set(records.flatMap((r) => Object.keys(r)))].sort();

function runInfo(lookup: RunLookup): CompareRunInfo {
  if (lookup.kind === 'found') return { available: true, runId: lookup.run.id, reason: null, name: lookup.run.name, status: lookup.run.status, experimentName: lookup.run.experimentName };
  return { available: false, runId: lookup.kind === 'no_run' ? null : lookup.runId, reason: runProblem(lookup), name: null, status: null, experimentName: null };
}

function side(view: VersionView, card: CardStatus | null, run: RunLookup): CompareSide {
  const v = toVersionResponse(view);
  return { version: v.version, status: v.status, stage: v.stage, aliases: v.aliases, artifact: v.artifact, cardStatus: card, run: runInfo(run) };
}

export function diffParams(a: Record<string, string>, b: Record<string, string>): ParamDiff[] {
  return sortedKeys(a, b).map((key) => {
    const va = a[key] ?? null;
    const vb = b[key] ?? null;
    return { key, a: va, b: vb, changed: va !== vb };
  });
}

export function diffMetrics(a: Record<string, number>, b: Record<string, number>): MetricDiff[] {
  return sortedKeys(a, b).map((key) => {
    const va = a[key] ?? null;
    const vb = b[key] ?? null;
    return { key, a: va, b: vb, delta: va !== null && vb !== null ? vb - va : null };
  });
}

const tensorText = (t: TensorSpec | undefined) => (t ? `${t.dtype}[${t.shape.join(',')}]` : null);

function diffTensors(a: readonly TensorSpec[], b: readonly TensorSpec[]): TensorDiff[] {
  const byName = (list: readonly TensorSpec[]) => new Map(list.map((t) => [t.name, t]));
  const ma = byName(a);
  const mb = byName(b);
  return sortedKeys(Object.fromEntries(ma), Object.fromEntries(mb)).map((name) => {
    const ta = tensorText(ma.get(name));
    const tb = tensorText(mb.get(name));
    return { name, a: ta, b: tb, changed: ta !== tb };
  });
}

export function diffSignatures(a: ModelSignature | null, b: ModelSignature | null): SignatureDiff {
  const inputs = diffTensors(a?.inputs ?? [], b?.inputs ?? []);
  const outputs = diffTensors(a?.outputs ?? [], b?.outputs ?? []);
  const available = a !== null && b !== null;
  return { available, equal: available && [...inputs, ...outputs].every((t) => !t.changed), inputs, outputs };
}

/** Everything that tells two versions apart; a run that could not be read is said so, not fatal. */
export function buildComparison(a: { view: VersionView; card: CardStatus | null; run: RunLookup }, b: { view: VersionView; card: CardStatus | null; run: RunLookup }): CompareResponse {
  const params = (r: RunLookup) => (r.kind === 'found' ? r.run.params : {});
  const metrics = (r: RunLookup) => (r.kind === 'found' ? r.run.metrics : {});
  const sa = side(a.view, a.card, a.run);
  const sb = side(b.view, b.card, b.run);
  return {
    modelId: a.view.version.modelId,
    modelName: a.view.modelName,
    a: sa,
    b: sb,
    params: diffParams(params(a.run), params(b.run)),
    metrics: diffMetrics(metrics(a.run), metrics(b.run)),
    signature: diffSignatures(a.view.version.signature, b.view.version.signature),
    artifact: { sameSha256: sa.artifact && sb.artifact ? sa.artifact.sha256 === sb.artifact.sha256 : null, sizeDelta: sa.artifact && sb.artifact ? sb.artifact.size - sa.artifact.size : null },
  };
}
