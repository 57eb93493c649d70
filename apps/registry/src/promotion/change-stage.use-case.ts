import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { ChangeStageRequest, GateResult, MODEL_VERSION_PROMOTED, MODEL_VERSION_PROMOTION_REFUSED, Stage, StageChangeResponse } from '@shipyard/contracts';
import { Outbox } from '@shipyard/messaging';
import { Transactions, uuidv7 } from '@shipyard/persistence';
import { formatActor, RequestContext } from '@shipyard/service-kit';
import { GatesRepository } from '../gates/gates.repository';
import { RunLookup, RunSummaries } from '../gates/run-summaries';
import { versionRefOf } from '../reviews/review.mapper';
import { VersionErrorCode, VersionStateError } from '../versions/version.errors';
import { toVersionResponse } from '../versions/version.mapper';
import { VersionLookup } from '../versions/version.queries';
import { VersionsRepository } from '../versions/versions.repository';
import { GateEvaluator } from './gate-evaluator';
import { PromotionBlocked, StageUnchanged } from './promotion.errors';
import { toStageDecisionResponse } from './stage-decision.mapper';
import { StageDecisionRow, StageDecisionsRepository } from './stage-decisions.repository';

export interface StageMove {
  stage: Stage;
  /** Move the model's other versions in the target stage to Archived, in the same transaction (Staging and Production only). */
  archiveExisting: boolean;
}

/** The stages whose other versions a move can archive (MLflow's "active" stages). */
export const ARCHIVING_STAGES: readonly Stage[] = ['Staging', 'Production'];

@Injectable()
export class ChangeStageUseCase {
  constructor(
    private readonly ds: DataSource,
    private readonly tx: Transactions,
    private readonly lookup: VersionLookup,
    private readonly versions: VersionsRepository,
    private readonly gates: GatesRepository,
    private readonly evaluator: GateEvaluator,
    private readonly runs: RunSummaries,
    private readonly decisions: StageDecisionsRepository,
    private readonly outbox: Outbox,
  ) {}

  /** The native request: `archiveExisting` applies to promotions to Production only (as ChangeStageRequest documents). */
  execute(modelRef: string, rawVersion: string, cmd: ChangeStageRequest, ctx: RequestContext): Promise<StageChangeResponse> {
    return this.move(modelRef, rawVersion, { stage: cmd.stage, archiveExisting: cmd.stage === 'Production' && cmd.archiveExisting === true }, ctx);
  }

  /**
   * Moves a version to another stage. Production needs a READY version and every gate of the model to
   * pass; a refusal is recorded (decision row and event) and then answered with 409 PROMOTION_BLOCKED.
   */
  async move(modelRef: string, rawVersion: string, cmd: StageMove, ctx: RequestContext): Promise<StageChangeResponse> {
    // The source run is read before the transaction: no row lock is held across a call to another service.
    const run = cmd.stage === 'Production' ? await this.sourceRun(modelRef, rawVersion, ctx.requestId) : null;
    const outcome = await this.tx.run(async (em) => {
      // Locking the model row serialises promotions of one model, so two never archive each other.
      const model = await this.lookup.model(em, modelRef, true);
      const { version } = await this.lookup.version(em, model.id, rawVersion, true);
      const from = version.stage;
      if (from === cmd.stage) throw new StageUnchanged(model.name, version.version, from);
      let gateResults: GateResult[] = [];
      if (cmd.stage === 'Production') {
        if (version.status !== 'READY') throw new VersionStateError(VersionErrorCode.NotReady, model.name, version.version, version.status);
        const gates = await this.gates.get(em, model.id);
        gateResults = await this.evaluator.evaluate(em, gates, version, run ?? { kind: 'unavailable', runId: version.sourceRunId ?? '', reason: 'metric gates were added during the promotion; retry' });
      }
      const allowed = gateResults.every((g) => g.passed);
      const now = new Date();
      const archived = allowed && cmd.archiveExisting && ARCHIVING_STAGES.includes(cmd.stage) ? await this.decisions.archiveOthersIn(em, model.id, cmd.stage, version.id, now) : [];
      const decision: StageDecisionRow = { id: uuidv7(now.getTime()), versionId: version.id, fromStage: from, toStage: cmd.stage, allowed, gates: gateResults, archivedVersions: archived, decidedBy: formatActor(ctx.actor), decidedAt: now };
      await this.decisions.insert(em, decision);
      if (allowed) {
        Object.assign(version, { stage: cmd.stage, updatedAt: now });
        await this.versions.save(em, version);
      }
      const view = await this.versions.view(em, model, version);
      const common = { actor: ctx.actor, correlationId: ctx.requestId, aggregate: { type: 'model_version', id: version.id } };
      const ref = { ...versionRefOf(view), decisionId: decision.id, fromStage: from, toStage: cmd.stage, gates: gateResults };
      if (allowed) {
        const moved = (stage: string) => archived.map((v) => ({ version: v, stage }));
        await this.outbox.add(em, {
          ...common,
          subject: MODEL_VERSION_PROMOTED,
          payload: { ...ref, archivedVersions: archived },
          before: { stage: from, ...(archived.length ? { archived: moved(cmd.stage) } : {}) },
          after: { stage: cmd.stage, ...(archived.length ? { archived: moved('Archived') } : {}) },
        });
      } else {
        await this.outbox.add(em, { ...common, subject: MODEL_VERSION_PROMOTION_REFUSED, payload: { ...ref, failedGates: gateResults.filter((g) => !g.passed).map((g) => g.gate) } });
      }
      return { allowed, model, response: { version: toVersionResponse(view), decision: toStageDecisionResponse(decision, version.version) } };
    });
    if (!outcome.allowed) throw new PromotionBlocked(outcome.model.name, outcome.response.version.version, cmd.stage, outcome.response.decision.gates);
    return outcome.response;
  }

  /** The version's source run, when the model has metric gates (null: none to read it for). */
  private async sourceRun(modelRef: string, rawVersion: string, requestId: string): Promise<RunLookup | null> {
    const { model, version } = await this.lookup.version(this.ds.manager, modelRef, rawVersion);
    if ((await this.gates.get(this.ds.manager, model.id)).metrics.length === 0) return null;
    const [lookup] = await this.runs.lookup([version.sourceRunId], requestId);
    return lookup ?? null;
  }
}
