import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { LINEAGE_DEFAULT_DEPTH, LINEAGE_NODE_KINDS, LineageModelVersion, LineageNodeKind, LineageResponse } from '@shipyard/contracts';
import { UUID_PATTERN } from '@shipyard/persistence';
import { CommandInvalid, DatasetNotFound, ModelVersionNotFound, RunNotFound } from '../common/errors';
import { LineageGraph } from './lineage-graph';
import { LineageRepository, RunInputLink } from './lineage.repository';
import { RegistryVersions } from './registry-versions';

/** Most dataset ↔ run links followed from one frontier; past it the graph says it is cut. */
export const LINEAGE_LINK_LIMIT = 1_000;

interface Frontier {
  datasets: string[];
  runs: string[];
  versions: LineageModelVersion[];
}

const empty = (f: Frontier) => f.datasets.length + f.runs.length + f.versions.length === 0;
const none = (): Frontier => ({ datasets: [], runs: [], versions: [] });

/**
 * dataset → run → model_version, upstream and downstream of one node, `depth` hops each way. Datasets
 * and runs are this service's; versions come from the registry over request-reply, and when it cannot
 * answer the graph keeps what is known here and says what is missing in `warnings`.
 */
@Injectable()
export class LineageGraphQuery {
  constructor(
    private readonly ds: DataSource,
    private readonly repo: LineageRepository,
    private readonly registry: RegistryVersions,
  ) {}

  async execute(kind: string, rawId: string, depthAsked: number | undefined, requestId: string): Promise<LineageResponse> {
    const depth = depthAsked ?? LINEAGE_DEFAULT_DEPTH;
    if (!(LINEAGE_NODE_KINDS as readonly string[]).includes(kind)) throw new CommandInvalid([{ field: 'kind', problems: [`kind must be one of ${LINEAGE_NODE_KINDS.join(', ')}`] }]);
    const id = rawId.toLowerCase();
    const graph = new LineageGraph({ kind: kind as LineageNodeKind, id });
    const start = none();
    const em = this.ds.manager;
    if (kind === 'dataset') {
      const [d] = await this.repo.datasets(em, [id]);
      if (!d) throw new DatasetNotFound(rawId);
      graph.dataset(d);
      start.datasets.push(d.id);
    } else if (kind === 'run') {
      const [r] = await this.repo.runs(em, [id]);
      if (!r) throw new RunNotFound(rawId);
      graph.run(r);
      start.runs.push(r.id);
    } else {
      if (!UUID_PATTERN.test(id)) throw new ModelVersionNotFound(rawId);
      const answer = await this.registry.get(id, requestId);
      if (!answer.ok) {
        graph.bare({ kind: 'model_version', id });
        graph.warn(`${answer.reason}: the model version and its lineage cannot be shown`);
        return graph.toResponse();
      }
      graph.version(answer.value);
      start.versions.push(answer.value);
    }
    await this.downstream(graph, start, depth, requestId);
    await this.upstream(graph, start, depth);
    return graph.toResponse();
  }

  private async downstream(graph: LineageGraph, start: Frontier, depth: number, requestId: string): Promise<void> {
    let f = start;
    for (let hop = 0; hop < depth && !empty(f); hop++) {
      const next = none();
      if (f.datasets.length) next.runs = await this.linkRuns(graph, this.cut(graph, await this.repo.consumersOf(this.ds.manager, f.datasets, LINEAGE_LINK_LIMIT + 1)));
      if (f.runs.length) {
        const answer = await this.registry.builtFrom(f.runs, requestId);
        if (!answer.ok) graph.warn(`${answer.reason}: model versions built from these runs are not shown`);
        else {
          if (answer.value.truncated) graph.warn('more model versions were built from these runs than one reply holds; some are not shown');
          for (const v of answer.value.versions) {
            if (!graph.has(v.id)) next.versions.push(v);
            graph.version(v);
            if (v.sourceRunId) graph.edge(v.sourceRunId.toLowerCase(), v.id, 'produced');
          }
        }
      }
      // Versions → deployments: not tracked yet (the inference service would be asked here).
      f = next;
    }
  }

  private async upstream(graph: LineageGraph, start: Frontier, depth: number): Promise<void> {
    const em = this.ds.manager;
    let f = start;
    for (let hop = 0; hop < depth && !empty(f); hop++) {
      const next = none();
      if (f.versions.length) {
        const runs = new Map((await this.repo.runs(em, f.versions.flatMap((v) => (v.sourceRunId ? [v.sourceRunId] : [])))).map((r) => [r.id, r]));
        for (const v of f.versions) {
          if (!v.sourceRunId) continue;
          const run = runs.get(v.sourceRunId.toLowerCase());
          if (!run) {
            graph.warn(`source run "${v.sourceRunId}" of ${v.modelName} v${v.version} was not found in experiments`);
            continue;
          }
          if (!graph.has(run.id)) next.runs.push(run.id);
          graph.run(run);
          graph.edge(run.id, v.id, 'produced');
        }
      }
      if (f.runs.length) {
        const links = this.cut(graph, await this.repo.inputsOf(em, f.runs, LINEAGE_LINK_LIMIT + 1));
        const fresh = [...new Set(links.map((l) => l.datasetId))].filter((d) => !graph.has(d));
        for (const d of await this.repo.datasets(em, fresh)) {
          graph.dataset(d);
          next.datasets.push(d.id);
        }
        for (const l of links) graph.edge(l.datasetId, l.runId, 'input_of', { context: l.context });
      }
      f = next;
    }
  }

  /** Adds the runs of `links` not yet in the graph and the input_of edges; returns the new run ids. */
  private async linkRuns(graph: LineageGraph, links: RunInputLink[]): Promise<string[]> {
    const fresh = [...new Set(links.map((l) => l.runId))].filter((r) => !graph.has(r));
    const added: string[] = [];
    for (const r of await this.repo.runs(this.ds.manager, fresh)) {
      graph.run(r);
      added.push(r.id);
    }
    for (const l of links) graph.edge(l.datasetId, l.runId, 'input_of', { context: l.context });
    return added;
  }

  private cut(graph: LineageGraph, links: RunInputLink[]): RunInputLink[] {
    if (links.length <= LINEAGE_LINK_LIMIT) return links;
    graph.warn(`more than ${LINEAGE_LINK_LIMIT} dataset-run links at one hop; the first ${LINEAGE_LINK_LIMIT} are shown`);
    return links.slice(0, LINEAGE_LINK_LIMIT);
  }
}
