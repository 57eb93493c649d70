import { IncomingMessage } from 'node:http';
import { Socket } from 'node:net';
import { patternMatcher, readBody } from './raw-routes';

function request(chunks: Buffer[], headers: Record<string, string> = {}): IncomingMessage {
  const req = new IncomingMessage(new Socket());
  Object.assign(req.headers, headers);
  setImmediate(() => {
    for (const c of chunks) req.push(c);
    req.push(null);
  });
  return req;
}

function read(req: IncomingMessage, limit: number): Promise<{ status?: number; body?: string }> {
  return new Promise((resolve) => readBody(req, limit, (err, body) => resolve(err ? { status: err.status } : { body: body?.toString('utf8') })));
}

describe('patternMatcher', () => {
  const infer = patternMatcher('/v2/models/:name/versions/:version/infer');

  it('extracts and percent-decodes each parameter', () => {
    expect(infer('/v2/models/my%20model/versions/3/infer')).toEqual({ name: 'my model', version: '3' });
  });

  it('matches whole paths only: no prefix, suffix, empty or extra segment', () => {
    expect(infer('/v2/models/m/versions/3/infer/')).toBeNull();
    expect(infer('/v2/models/m/versions/3')).toBeNull();
    expect(infer('/v2/models//versions/3/infer')).toBeNull();
    expect(infer('/v2/models/a/b/versions/3/infer')).toBeNull();
  });

  it('leaves malformed percent-encoding to the router (no match)', () => {
    expect(infer('/v2/models/%E0%A4%A/versions/1/infer')).toBeNull();
  });

  it('treats regex characters in the fixed parts literally', () => {
    expect(patternMatcher('/a.b/:x')('/aXb/1')).toBeNull();
    expect(patternMatcher('/a.b/:x')('/a.b/1')).toEqual({ x: '1' });
  });
});

describe('readBody', () => {
  it('joins the chunks of a body', async () => {
    expect(await read(request([Buffer.from('{"a":'), Buffer.from('1}')]), 100)).toEqual({ body: '{"a":1}' });
  });

  it('refuses a declared length over the limit before reading (413)', async () => {
    expect(await read(request([Buffer.alloc(10)], { 'content-length': '101' }), 100)).toEqual({ status: 413 });
  });

  it('refuses a body that grows over the limit without declaring it (413)', async () => {
    expect(await read(request([Buffer.alloc(60), Buffer.alloc(60)]), 100)).toEqual({ status: 413 });
  });

  it('gives an empty Buffer for an empty body', async () => {
    expect(await read(request([]), 100)).toEqual({ body: '' });
  });
});
