import { request } from './http';
import { linearOnnx } from './onnx-fixtures';

export interface CreatedVersion {
  id: string;
  version: number;
  status: string;
  sourceRunId: string | null;
}

/**
 * A model version created the way a user does it, through the gateway: POST …/versions, then (when
 * `ready`) PUT …/versions/{v}/artifact with a small ONNX file as the raw body, which makes it READY.
 */
export async function createVersion(target: { url: string; token: string }, model: string, opts: { sourceRunId?: string; ready?: boolean } = {}): Promise<CreatedVersion> {
  const created = await request<CreatedVersion>(target, 'POST', `/api/v1/models/${model}/versions`, { body: { framework: 'onnx', ...(opts.sourceRunId ? { sourceRunId: opts.sourceRunId } : {}) } });
  if (created.status !== 201) throw new Error(`creating a version of ${model} answered ${created.status}: ${JSON.stringify(created.body)}`);
  if (opts.ready === false) return created.body;
  const res = await fetch(`${target.url}/api/v1/models/${model}/versions/${created.body.version}/artifact`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${target.token}`, 'content-type': 'application/octet-stream' },
    body: linearOnnx(),
  });
  const body = (await res.json()) as CreatedVersion;
  if (res.status !== 200 || body.status !== 'READY') throw new Error(`uploading the artifact of ${model} v${created.body.version} answered ${res.status}: ${JSON.stringify(body)}`);
  return body;
}
