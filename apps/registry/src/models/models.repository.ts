import { Injectable } from '@nestjs/common';
import { EntityManager, QueryFailedError } from 'typeorm';
import { UUID_PATTERN } from '@shipyard/persistence';
import { ModelEntity } from './model.entity';

export interface ModelFilter {
  namePrefix?: string;
  tag?: string;
  /** Models having a version in this stage. */
  stage?: string;
  /** Models having this alias (case-insensitive). */
  alias?: string;
  /** Keyset: only ids older than this one (ids are UUIDv7, so id order is creation order). */
  beforeId?: string;
  limit: number;
}

function escapeLike(s: string): string {
  return s.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/** Queries over registry.models. Live rows only: soft-deleted models are invisible here. */
@Injectable()
export class ModelsRepository {
  /** Resolves an id or a name (case-insensitive) to a live model; `lock` takes a row lock for an update. */
  async findByRef(em: EntityManager, ref: string, lock = false): Promise<ModelEntity | null> {
    const qb = em.createQueryBuilder(ModelEntity, 'm').where('m.deleted_at IS NULL');
    if (UUID_PATTERN.test(ref)) qb.andWhere('m.id = :ref', { ref });
    else qb.andWhere('lower(m.name) = lower(:ref)', { ref });
    if (lock) qb.setLock('pessimistic_write');
    return qb.getOne();
  }

  async nameTaken(em: EntityManager, name: string, exceptId?: string): Promise<boolean> {
    const qb = em.createQueryBuilder(ModelEntity, 'm').where('m.deleted_at IS NULL').andWhere('lower(m.name) = lower(:name)', { name });
    if (exceptId) qb.andWhere('m.id <> :exceptId', { exceptId });
    return (await qb.getCount()) > 0;
  }

  async insert(em: EntityManager, model: ModelEntity): Promise<ModelEntity> {
    await em.insert(ModelEntity, model);
    return model;
  }

  async save(em: EntityManager, model: ModelEntity): Promise<ModelEntity> {
    return em.save(ModelEntity, model);
  }

  async list(em: EntityManager, f: ModelFilter): Promise<ModelEntity[]> {
    const qb = em.createQueryBuilder(ModelEntity, 'm').where('m.deleted_at IS NULL');
    if (f.namePrefix) qb.andWhere("lower(m.name) LIKE lower(:prefix) ESCAPE '\\'", { prefix: `${escapeLike(f.namePrefix)}%` });
    if (f.tag) qb.andWhere(':tag = ANY(m.tags)', { tag: f.tag });
    if (f.stage) qb.andWhere('EXISTS (SELECT 1 FROM registry.model_versions v WHERE v.model_id = m.id AND v.stage = :stage AND v.deleted_at IS NULL)', { stage: f.stage });
    if (f.alias) qb.andWhere('EXISTS (SELECT 1 FROM registry.model_aliases a WHERE a.model_id = m.id AND lower(a.alias) = lower(:alias))', { alias: f.alias });
    if (f.beforeId) qb.andWhere('m.id < :beforeId', { beforeId: f.beforeId });
    return qb.orderBy('m.id', 'DESC').limit(f.limit).getMany();
  }
}

/** True when PostgreSQL refused a row because of the named unique index. */
export function isUniqueViolation(e: unknown, constraint: string): boolean {
  if (!(e instanceof QueryFailedError)) return false;
  const driverError = e.driverError as { code?: string; constraint?: string };
  return driverError.code === '23505' && driverError.constraint === constraint;
}
