import { z } from 'zod';
import { ErrorKind } from '../http/errors';

/**
 * Request-reply between services over core NATS, for the few calls whose caller needs an answer now.
 * Subjects: `rpc.<context>.<name>.v<N>`; each service answers in a queue group named after itself, so
 * replicas share the load. The reply is always one of these two shapes.
 */
export const RPC_SUBJECT_PATTERN = /^rpc\.[a-z][a-z0-9_]*\.[a-z][a-z0-9_.]*\.v[1-9][0-9]*$/;

export const RpcFailure = z.object({
  ok: z.literal(false),
  error: z.object({ code: z.string(), kind: z.enum(ErrorKind), message: z.string(), details: z.unknown().optional() }),
});
export type RpcFailure = z.infer<typeof RpcFailure>;

export interface RpcSuccess<T> {
  ok: true;
  result: T;
}

export type RpcReply<T> = RpcSuccess<T> | RpcFailure;

/** A typed request-reply contract: the subject plus the schemas of both directions. */
export interface RpcContract<Req extends z.ZodType, Res extends z.ZodType> {
  subject: string;
  request: Req;
  response: Res;
}

export function rpcContract<Req extends z.ZodType, Res extends z.ZodType>(subject: string, request: Req, response: Res): RpcContract<Req, Res> {
  if (!RPC_SUBJECT_PATTERN.test(subject)) throw new Error(`rpc subject ${subject} must look like rpc.<context>.<name>.v<N>`);
  return { subject, request, response };
}
