import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { DEFAULT_PAGE_SIZE, ListVersionsQuery, VersionPageResponse, VersionResponse } from '@shipyard/contracts';
import { decodeCursor, encodeCursor, InvalidCursorError } from '@shipyard/persistence';
import { ModelEntity } from '../models/model.entity';
import { InvalidModelCursor, ModelNotFound } from '../models/model.errors';
import { ModelsRepository } from '../models/models.repository';
import { ModelVersionEntity, VersionView } from './model-version.entity';
import { parseVersionNumber, VersionDeleted, VersionNotFound } from './version.errors';
import { toVersionResponse } from './version.mapper';
import { VersionsRepository } from './versions.repository';

/** Loads a live model and one of its live (not deleted) versions by `{id}` and `{v}` path segments, or fails with 404. */
@Injectable()
export class VersionLookup {
  constructor(
    private readonly models: ModelsRepository,
    private readonly versions: VersionsRepository,
  ) {}

  async model(em: EntityManager, ref: string, lock = false): Promise<ModelEntity> {
    const model = await this.models.findByRef(em, ref, lock);
    if (!model) throw new ModelNotFound(ref);
    return model;
  }

  async version(em: EntityManager, modelRef: string, rawVersion: string | number, lock = false): Promise<{ model: ModelEntity; version: ModelVersionEntity }> {
    const number = typeof rawVersion === 'number' ? rawVersion : parseVersionNumber(rawVersion);
    const model = await this.model(em, modelRef);
    const version = await this.versions.find(em, model, number, lock);
    if (!version) {
      const deletedAt = await this.versions.deletedAt(em, model.id, number);
      throw deletedAt ? new VersionDeleted(model.name, number, deletedAt) : new VersionNotFound(model.name, number);
    }
    return { model, version };
  }

  async view(em: EntityManager, modelRef: string, rawVersion: string | number): Promise<VersionView> {
    const { model, version } = await this.version(em, modelRef, rawVersion);
    return this.versions.view(em, model, version);
  }
}

@Injectable()
export class VersionQueries {
  constructor(
    private readonly ds: DataSource,
    private readonly lookup: VersionLookup,
    private readonly versions: VersionsRepository,
  ) {}

  async get(modelRef: string, rawVersion: string): Promise<VersionResponse> {
    return toVersionResponse(await this.lookup.view(this.ds.manager, modelRef, rawVersion));
  }

  async list(modelRef: string, q: ListVersionsQuery): Promise<VersionPageResponse> {
    const limit = q.limit ?? DEFAULT_PAGE_SIZE;
    let below: number | undefined;
    if (q.cursor) {
      try {
        below = Number(decodeCursor(q.cursor, 1)[0]);
        if (!Number.isInteger(below) || below < 1) throw new InvalidCursorError();
      } catch (e) {
        if (e instanceof InvalidCursorError) throw new InvalidModelCursor();
        throw e;
      }
    }
    const model = await this.lookup.model(this.ds.manager, modelRef);
    const rows = await this.versions.list(this.ds.manager, model, { stage: q.stage, status: q.status, alias: q.alias, below, limit: limit + 1 });
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    return { items: page.map(toVersionResponse), nextCursor: rows.length > limit && last ? encodeCursor([last.version.version]) : null };
  }
}
