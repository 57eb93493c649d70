import { ErrorKind, GateResult, Stage } from '@shipyard/contracts';
import { DomainError } from '@shipyard/service-kit';

export enum PromotionErrorCode {
  Blocked = 'PROMOTION_BLOCKED',
  StageUnchanged = 'STAGE_UNCHANGED',
}

/** 409 whose details list every gate with its result (the refused attempt is recorded before this is thrown). */
export class PromotionBlocked extends DomainError<PromotionErrorCode> {
  constructor(model: string, version: number, to: Stage, gates: GateResult[]) {
    const failed = gates.filter((g) => !g.passed);
    super(PromotionErrorCode.Blocked, ErrorKind.Conflict, `version ${version} of "${model}" cannot move to ${to}: ${failed.map((g) => `${g.gate} (${g.reason ?? 'failed'})`).join('; ')}`, gates);
  }
}

export class StageUnchanged extends DomainError<PromotionErrorCode> {
  constructor(model: string, version: number, stage: Stage) {
    super(PromotionErrorCode.StageUnchanged, ErrorKind.Conflict, `version ${version} of "${model}" is already in ${stage}`, { stage });
  }
}
