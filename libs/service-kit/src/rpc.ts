import { Injectable, Logger } from '@nestjs/common';
import { headers as natsHeaders, JSONCodec, Msg, Subscription } from 'nats';
import { z } from 'zod';
import { CommonErrorCode, ErrorKind, REQUEST_ID_HEADER, RpcContract, RpcFailure, RpcReply } from '@shipyard/contracts';
import { NatsConnector } from '@shipyard/messaging';
import { DomainError } from './domain-error';
import { Lifecycle } from './lifecycle';

const codec = JSONCodec<unknown>();
export const RPC_DEFAULT_TIMEOUT_MS = 5_000;

function describe(error: z.ZodError): string {
  return error.issues.map((i) => `${i.path.length ? i.path.join('.') : '(root)'}: ${i.message}`).join('; ');
}

/**
 * Calls another service over NATS request-reply. A failure the callee reports comes back as the same
 * DomainError (code, kind, message); no responder or a timeout is UPSTREAM_UNAVAILABLE (503).
 */
@Injectable()
export class RpcClient {
  constructor(private readonly nats: NatsConnector) {}

  async call<Req extends z.ZodType, Res extends z.ZodType>(contract: RpcContract<Req, Res>, request: z.input<Req>, opts: { timeoutMs?: number; requestId?: string } = {}): Promise<z.output<Res>> {
    const nc = this.nats.current();
    const context = contract.subject.split('.')[1] ?? 'upstream';
    if (!nc) throw new DomainError(CommonErrorCode.UpstreamUnavailable, ErrorKind.Unavailable, `the ${context} service is unreachable (no NATS connection); retry shortly`);
    const h = natsHeaders();
    if (opts.requestId) h.set(REQUEST_ID_HEADER, opts.requestId);
    let msg: Msg;
    try {
      msg = await nc.request(contract.subject, codec.encode(request), { timeout: opts.timeoutMs ?? RPC_DEFAULT_TIMEOUT_MS, headers: h });
    } catch (e) {
      const reason = (e as { code?: string }).code === '503' ? 'is not running' : 'did not answer in time';
      throw new DomainError(CommonErrorCode.UpstreamUnavailable, ErrorKind.Unavailable, `the ${context} service ${reason}; retry shortly`);
    }
    const reply = codec.decode(msg.data) as RpcReply<unknown>;
    if (reply && typeof reply === 'object' && reply.ok === false) {
      const failure = RpcFailure.safeParse(reply);
      if (failure.success) throw new DomainError(failure.data.error.code, failure.data.error.kind, failure.data.error.message, failure.data.error.details);
    }
    if (!reply || typeof reply !== 'object' || reply.ok !== true) throw new DomainError(CommonErrorCode.Internal, ErrorKind.Internal, `malformed reply on ${contract.subject}`);
    const parsed = contract.response.safeParse(reply.result);
    if (!parsed.success) throw new DomainError(CommonErrorCode.Internal, ErrorKind.Internal, `reply on ${contract.subject} does not match its contract: ${describe(parsed.error)}`);
    return parsed.data;
  }
}

/**
 * Answers request-reply subjects in a queue group named after the service (replicas share the work).
 * Requests are validated against the contract; a DomainError thrown by the handler travels back whole,
 * anything else becomes INTERNAL without its message (the log keeps it).
 */
@Injectable()
export class RpcServer {
  private readonly logger = new Logger('rpc');
  private readonly subscriptions: Subscription[] = [];

  constructor(
    private readonly nats: NatsConnector,
    lifecycle: Lifecycle,
  ) {
    lifecycle.onShutdown('workers', 'rpc responders', async () => {
      await Promise.all(this.subscriptions.splice(0).map((s) => s.drain().catch(() => undefined)));
    });
  }

  /** Starts answering `contract.subject` once NATS is connected (and again after reconnects: subscriptions survive them). */
  handle<Req extends z.ZodType, Res extends z.ZodType>(queue: string, contract: RpcContract<Req, Res>, fn: (request: z.output<Req>, requestId: string) => Promise<z.input<Res>>): void {
    void this.nats.ready().then((nc) => {
      const sub = nc.subscribe(contract.subject, {
        queue,
        callback: (err, msg) => {
          if (err) return;
          void this.answer(msg, contract, fn);
        },
      });
      this.subscriptions.push(sub);
    });
  }

  private async answer<Req extends z.ZodType, Res extends z.ZodType>(msg: Msg, contract: RpcContract<Req, Res>, fn: (request: z.output<Req>, requestId: string) => Promise<z.input<Res>>): Promise<void> {
    let reply: RpcReply<unknown>;
    const requestId = msg.headers?.get(REQUEST_ID_HEADER) || `rpc-${Date.now().toString(36)}`;
    try {
      let body: unknown;
      try {
        body = codec.decode(msg.data);
      } catch {
        throw new DomainError(CommonErrorCode.MalformedJson, ErrorKind.InvalidInput, 'request is not JSON');
      }
      const parsed = contract.request.safeParse(body);
      if (!parsed.success) throw new DomainError(CommonErrorCode.ValidationFailed, ErrorKind.InvalidInput, describe(parsed.error));
      const result: unknown = await fn(parsed.data, requestId);
      reply = { ok: true, result };
    } catch (e) {
      if (e instanceof DomainError) reply = { ok: false, error: { code: String(e.code), kind: e.kind, message: e.message, ...(e.details !== undefined ? { details: e.details } : {}) } };
      else {
        this.logger.error(`${contract.subject} failed (request ${requestId}): ${(e as Error).stack ?? String(e)}`);
        reply = { ok: false, error: { code: CommonErrorCode.Internal, kind: ErrorKind.Internal, message: 'internal error' } };
      }
    }
    if (msg.reply) msg.respond(codec.encode(reply));
  }
}
