import { errors, Pool } from 'undici';
import { ErrorKind } from '@shipyard/contracts';
import { DomainError } from '@shipyard/service-kit';
import { connectionOptions, UpstreamError, upstreamFailure, upstreamHeaders } from './proxy.service';

class WarningsLog {
  readonly lines: string[] = [];
  warn(message: unknown): void {
    this.lines.push(String(message));
  }
}

/** What undici itself raises for a request it will not send (it validates before connecting: no I/O). */
async function refusal(headers: Record<string, string>): Promise<UpstreamError> {
  const pool = new Pool('http://127.0.0.1:9');
  try {
    await pool.request({ method: 'POST', path: '/x', headers, body: 'b' });
  } catch (e) {
    return e as UpstreamError;
  } finally {
    await pool.close();
  }
  throw new Error('undici sent the request');
}

describe('upstreamHeaders', () => {
  it('drops Expect (answered by the gateway itself, and refused by undici) with the other hop-by-hop headers', () => {
    const out = upstreamHeaders({ expect: '100-continue', connection: 'keep-alive', 'content-type': 'application/json', 'content-length': '2', 'x-request-id': 'r1' }, '10.0.0.1', undefined);
    expect(out).toEqual({ 'content-type': 'application/json', 'content-length': '2', 'x-request-id': 'r1', 'x-forwarded-for': '10.0.0.1' });
  });

  it('drops the headers a client names in Connection (hop-by-hop by declaration), but never the body framing or the request id', () => {
    const incoming = { connection: 'keep-alive, X-Trace-Hop ,x-debug, Content-Length, content-type, x-request-id', 'x-trace-hop': '1', 'x-debug': 'yes', 'x-kept': 'k', 'content-type': 'application/json', 'content-length': '2', 'x-request-id': 'r1' };
    expect(upstreamHeaders(incoming, '10.0.0.1', undefined)).toEqual({ 'x-kept': 'k', 'content-type': 'application/json', 'content-length': '2', 'x-request-id': 'r1', 'x-forwarded-for': '10.0.0.1' });
  });
});

describe('connectionOptions', () => {
  it('is null for the usual Connection values, so the hot path does no work', () => {
    for (const v of [undefined, 'keep-alive', 'close', 'Keep-Alive', 'keep-alive, close', 'content-length']) expect(connectionOptions(v)).toBeNull();
    expect(connectionOptions('Upgrade, X-A')).toEqual(new Set(['upgrade', 'x-a']));
  });
});

describe('upstreamFailure', () => {
  it('answers a request undici refuses to forward with a 400 saying why, not a 503', async () => {
    const log = new WarningsLog();
    const err = await refusal({ expect: '100-continue' });
    expect(err.code).toBe('UND_ERR_NOT_SUPPORTED');
    const out = upstreamFailure('registry', err, log, 'PUT /api/v1/models/m/versions/1/artifact');
    expect(out).toBeInstanceOf(DomainError);
    expect(out).toMatchObject({ code: 'VALIDATION_FAILED', kind: ErrorKind.InvalidInput, message: 'the request cannot be forwarded to the registry service: expect header not supported' });
    expect(log.lines).toEqual(['refused to forward PUT /api/v1/models/m/versions/1/artifact to registry: UND_ERR_NOT_SUPPORTED expect header not supported']);
  });

  it('treats invalid headers and a body that does not match its length as the request\'s fault too', () => {
    const log = new WarningsLog();
    for (const err of [new errors.InvalidArgumentError('invalid header key'), new errors.RequestContentLengthMismatchError()]) {
      expect(upstreamFailure('inference', err, log, 'POST /v2/models/m/infer')).toMatchObject({ kind: ErrorKind.InvalidInput });
    }
  });

  it('keeps connection failures and timeouts as 503 UPSTREAM_UNAVAILABLE', () => {
    const log = new WarningsLog();
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:8082'), { code: 'ECONNREFUSED' });
    for (const err of [refused, new errors.ConnectTimeoutError(), new errors.SocketError('other side closed'), new errors.ClientDestroyedError()]) {
      expect(upstreamFailure('registry', err, log, 'GET /api/v1/models')).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', kind: ErrorKind.Unavailable, message: 'the registry service is unavailable; retry shortly' });
    }
    expect(upstreamFailure('registry', new errors.HeadersTimeoutError(), log, 'GET /api/v1/models')).toMatchObject({ kind: ErrorKind.Unavailable, message: 'the registry service did not answer in time; retry shortly' });
    expect(log.lines[0]).toBe('registry unavailable for GET /api/v1/models: ECONNREFUSED connect ECONNREFUSED 127.0.0.1:8082');
  });
});
