import type { LineageEdge, LineageModelVersion, LineageNode, LineageNodeRef, LineageRelation, LineageResponse } from '@shipyard/contracts';
import type { LineageDataset, LineageRun } from './lineage.repository';

/** Nodes and edges collected once each, in the order they were reached; warnings for what is missing. */
export class LineageGraph {
  private readonly nodes = new Map<string, LineageNode>();
  private readonly edges = new Map<string, LineageEdge>();
  private readonly warnings: string[] = [];

  constructor(private readonly root: LineageNodeRef) {}

  has(id: string): boolean {
    return this.nodes.has(id);
  }

  dataset(d: LineageDataset): void {
    this.add({ kind: 'dataset', id: d.id, label: `${d.name}@${d.digest.slice(0, 12)}`, attributes: { name: d.name, digest: d.digest, sourceUri: d.sourceUri, rowCount: d.rowCount } });
  }

  run(r: LineageRun): void {
    this.add({
      kind: 'run',
      id: r.id,
      label: r.name ?? r.id,
      attributes: { experimentId: r.experimentId, experimentName: r.experimentName, name: r.name, status: r.status, lifecycleStage: r.lifecycleStage, startTime: r.startTime },
    });
  }

  version(v: LineageModelVersion): void {
    this.add({
      kind: 'model_version',
      id: v.id,
      label: `${v.modelName} v${v.version}`,
      attributes: { modelId: v.modelId, modelName: v.modelName, version: v.version, stage: v.stage, status: v.status, sourceRunId: v.sourceRunId, createdAt: v.createdAt },
    });
  }

  /** A node known only by reference (its owner could not be asked). */
  bare(ref: LineageNodeRef): void {
    this.add({ ...ref, label: ref.id, attributes: {} });
  }

  edge(from: string, to: string, relation: LineageRelation, attributes: Record<string, unknown> = {}): void {
    const key = `${from}|${to}|${relation}|${JSON.stringify(attributes)}`;
    if (!this.edges.has(key)) this.edges.set(key, { from, to, relation, attributes });
  }

  warn(message: string): void {
    if (!this.warnings.includes(message)) this.warnings.push(message);
  }

  toResponse(): LineageResponse {
    return { root: this.root, nodes: [...this.nodes.values()], edges: [...this.edges.values()], warnings: this.warnings };
  }

  private add(node: LineageNode): void {
    if (!this.nodes.has(node.id)) this.nodes.set(node.id, node);
  }
}
