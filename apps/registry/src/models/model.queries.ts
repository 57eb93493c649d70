import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { DEFAULT_PAGE_SIZE, ListModelsQuery, ModelPageResponse, ModelResponse } from '@shipyard/contracts';
import { decodeIdCursor, encodeCursor } from '@shipyard/persistence';
import { InvalidModelCursor, ModelNotFound } from './model.errors';
import { toModelResponse } from './model.mapper';
import { ModelsRepository } from './models.repository';

@Injectable()
export class ModelQueries {
  constructor(
    private readonly ds: DataSource,
    private readonly models: ModelsRepository,
  ) {}

  async get(ref: string): Promise<ModelResponse> {
    const model = await this.models.findByRef(this.ds.manager, ref);
    if (!model) throw new ModelNotFound(ref);
    return toModelResponse(model);
  }

  async list(q: ListModelsQuery): Promise<ModelPageResponse> {
    const limit = q.limit ?? DEFAULT_PAGE_SIZE;
    const beforeId = decodeIdCursor(q.cursor, () => new InvalidModelCursor());
    const rows = await this.models.list(this.ds.manager, { namePrefix: q.namePrefix, tag: q.tag, stage: q.stage, alias: q.alias, beforeId, limit: limit + 1 });
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    return { items: page.map(toModelResponse), nextCursor: rows.length > limit && last ? encodeCursor([last.id]) : null };
  }
}
