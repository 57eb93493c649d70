import type { NestFastifyApplication } from '@nestjs/platform-fastify';

/**
 * The gateway does not parse request bodies: every content type arrives as the raw request stream
 * and is piped to the service, which validates it. Uploads of any size never sit in gateway memory.
 */
export function streamBodiesThrough(app: NestFastifyApplication): void {
  const fastify = app.getHttpAdapter().getInstance();
  fastify.removeAllContentTypeParsers();
  fastify.addContentTypeParser('*', (_req, payload, done) => done(null, payload));
}
