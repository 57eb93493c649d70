/** What bench/gateway-hop.bench.ts and its child processes (bench/hop-servers.ts) agree on. */

export type HopRole = 'upstream' | 'front';

/** Upstream: the trivial HTTP handler. Front: the two ways of reaching it. */
export const UPSTREAM_PATH = '/item';
export const FRONT_HTTP_PATH = '/http/item';
export const FRONT_NATS_PATH = '/nats/item';
/** The upstream's request-reply subject (core NATS, no JetStream). */
export const HOP_SUBJECT = 'bench.hop.item';

/** Environment of the child processes. */
export const ENV_NATS_URL = 'BENCH_HOP_NATS_URL';
export const ENV_UPSTREAM_URL = 'BENCH_HOP_UPSTREAM_URL';
export const ENV_UPSTREAM_CONNECTIONS = 'BENCH_HOP_UPSTREAM_CONNECTIONS';
export const ENV_NATS_TIMEOUT_MS = 'BENCH_HOP_NATS_TIMEOUT_MS';

/** Sent once over the IPC channel when the child listens. */
export interface HopReady {
  type: 'ready';
  role: HopRole;
  port: number;
}

export function isHopReady(message: unknown): message is HopReady {
  return typeof message === 'object' && message !== null && 'type' in message && message.type === 'ready' && 'port' in message && typeof message.port === 'number';
}

/** Shaped like a registry model resource, so the hop carries a realistic small JSON body. */
const ITEM = {
  id: '5f0c2a9e-3b7d-4e61-a8f2-9c4d1e7b6a30',
  name: 'resnet50-imagenet',
  description: 'ResNet-50 image classifier, ImageNet-1k, exported to ONNX opset 17',
  tags: ['vision', 'classification', 'onnx'],
  ownerId: 'user:bench',
  latestVersion: 7,
  createdAt: '2025-01-06T09:12:44.031Z',
  updatedAt: '2025-01-07T16:40:02.518Z',
};

/** The body both upstream handlers (HTTP and NATS) produce, serialised per request as a service would. */
export function itemBody(): string {
  return JSON.stringify(ITEM);
}
