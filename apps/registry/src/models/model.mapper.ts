import { ModelCreatedPayload, ModelResponse } from '@shipyard/contracts';
import { ModelEntity } from './model.entity';

export function toModelResponse(m: ModelEntity): ModelResponse {
  return {
    id: m.id,
    name: m.name,
    description: m.description,
    tags: m.tags,
    ownerId: m.ownerId,
    createdAt: m.createdAt.toISOString(),
    updatedAt: m.updatedAt.toISOString(),
  };
}

export function toCreatedPayload(m: ModelEntity): ModelCreatedPayload {
  return { id: m.id, name: m.name, description: m.description, tags: m.tags, ownerId: m.ownerId };
}
