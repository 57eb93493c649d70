import type { Provider, Type } from '@nestjs/common';
import { AliasesController } from './aliases/aliases.controller';
import { AliasesRepository } from './aliases/aliases.repository';
import { DeleteAliasUseCase } from './aliases/delete-alias.use-case';
import { SetAliasUseCase } from './aliases/set-alias.use-case';
import { CardQueries } from './cards/card.queries';
import { CardsController } from './cards/cards.controller';
import { CardsRepository } from './cards/cards.repository';
import { PutCardUseCase } from './cards/put-card.use-case';
import { CompareController } from './compare/compare.controller';
import { CompareQueries } from './compare/compare.queries';
import { GatesController } from './gates/gates.controller';
import { GatesRepository } from './gates/gates.repository';
import { RunSummaries } from './gates/run-summaries';
import { GatesQueries, SetGatesUseCase } from './gates/set-gates.use-case';
import { ChangeStageUseCase } from './promotion/change-stage.use-case';
import { GateEvaluator } from './promotion/gate-evaluator';
import { PromotionController } from './promotion/promotion.controller';
import { StageDecisionQueries } from './promotion/stage-decision.queries';
import { StageDecisionsRepository } from './promotion/stage-decisions.repository';
import { DecideReviewUseCase } from './reviews/decide-review.use-case';
import { ReviewQueries } from './reviews/review.queries';
import { ReviewsController } from './reviews/reviews.controller';
import { ReviewsRepository } from './reviews/reviews.repository';
import { SubmitReviewUseCase } from './reviews/submit-review.use-case';

/** Aliases, stages, gates, reviews, cards and compare: kept apart so app.module.ts only spreads two lists. */
export const GOVERNANCE_CONTROLLERS: Type<unknown>[] = [CompareController, AliasesController, PromotionController, GatesController, ReviewsController, CardsController];

export const GOVERNANCE_PROVIDERS: Provider[] = [
  AliasesRepository, SetAliasUseCase, DeleteAliasUseCase,
  GatesRepository, GatesQueries, SetGatesUseCase, RunSummaries,
  StageDecisionsRepository, StageDecisionQueries, GateEvaluator, ChangeStageUseCase,
  ReviewsRepository, ReviewQueries, SubmitReviewUseCase, DecideReviewUseCase,
  CardsRepository, CardQueries, PutCardUseCase,
  CompareQueries,
];
