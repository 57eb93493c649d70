import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { CommonErrorCode, ErrorKind, GatesResponse, MODEL_GATES_UPDATED, SetGatesRequest } from '@shipyard/contracts';
import { Outbox } from '@shipyard/messaging';
import { Transactions } from '@shipyard/persistence';
import { DomainError, formatActor, RequestContext } from '@shipyard/service-kit';
import { ModelEntity } from '../models/model.entity';
import { VersionLookup } from '../versions/version.queries';
import { GatesRepository, ModelGates } from './gates.repository';

type GateField = 'metrics' | 'requireCard' | 'requiredApprovals';
const FIELDS: GateField[] = ['metrics', 'requireCard', 'requiredApprovals'];

export function toGatesResponse(model: ModelEntity, g: ModelGates): GatesResponse {
  return { modelId: model.id, modelName: model.name, metrics: g.metrics, requireCard: g.requireCard, requiredApprovals: g.requiredApprovals, updatedBy: g.updatedBy, updatedAt: g.updatedAt?.toISOString() ?? null };
}

@Injectable()
export class GatesQueries {
  constructor(
    private readonly ds: DataSource,
    private readonly lookup: VersionLookup,
    private readonly gates: GatesRepository,
  ) {}

  async get(modelRef: string): Promise<GatesResponse> {
    const model = await this.lookup.model(this.ds.manager, modelRef);
    return toGatesResponse(model, await this.gates.get(this.ds.manager, model.id));
  }
}

@Injectable()
export class SetGatesUseCase {
  constructor(
    private readonly tx: Transactions,
    private readonly lookup: VersionLookup,
    private readonly gates: GatesRepository,
    private readonly outbox: Outbox,
  ) {}

  /**
   * Replaces the model's gates (PUT: what is left out is off). The event carries the whole config before and after.
   * Only `admin` may: gates bind whoever promotes (models:write, which approvers hold too), so a promoter able to
   * edit them could switch them off, and an approver could drop the approvals a version of their own needs. The
   * gateway asks the same; this check keeps it true for any other caller of the registry.
   */
  async execute(modelRef: string, cmd: SetGatesRequest, ctx: RequestContext): Promise<GatesResponse> {
    if (!ctx.permissions.has('admin')) throw new DomainError(CommonErrorCode.Forbidden, ErrorKind.Forbidden, 'changing promotion gates requires the admin permission');
    return this.tx.run(async (em) => {
      const model = await this.lookup.model(em, modelRef, true);
      const current = await this.gates.get(em, model.id);
      const next = {
        metrics: (cmd.metrics ?? []).map((m) => ({ metric: m.metric, op: m.op, threshold: m.threshold })),
        requireCard: cmd.requireCard ?? false,
        requiredApprovals: cmd.requiredApprovals ?? 0,
      };
      const changed = FIELDS.filter((k) => JSON.stringify(next[k]) !== JSON.stringify(current[k]));
      if (changed.length === 0 && current.updatedAt !== null) return toGatesResponse(model, current);
      const saved: ModelGates & { updatedBy: string; updatedAt: Date } = { ...next, updatedBy: formatActor(ctx.actor), updatedAt: new Date() };
      await this.gates.upsert(em, model.id, saved);
      const config = (g: Pick<ModelGates, GateField>) => ({ metrics: g.metrics, requireCard: g.requireCard, requiredApprovals: g.requiredApprovals });
      await this.outbox.add(em, {
        subject: MODEL_GATES_UPDATED,
        actor: ctx.actor,
        correlationId: ctx.requestId,
        aggregate: { type: 'model_gates', id: model.id },
        payload: { modelId: model.id, modelName: model.name, changed },
        ...(current.updatedAt !== null ? { before: config(current) } : {}),
        after: config(saved),
      });
      return toGatesResponse(model, saved);
    });
  }
}
