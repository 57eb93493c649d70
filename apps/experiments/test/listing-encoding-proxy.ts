import { createServer, IncomingHttpHeaders, request, Server } from 'node:http';
import type { AddressInfo } from 'node:net';

const XML_ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

const xmlText = (s: string) => s.replace(/&(amp|lt|gt|quot|apos);/g, (_, name: string) => XML_ENTITIES[name] ?? '');

/**
 * s3rver 3.7 ignores ListObjects' `encoding-type=url` ("currently unimplemented"), which the minio client always
 * asks for and decodes, so a listed key holding "%" fails to list ("URI malformed") or lists as another name.
 * Put in front of it, this proxy encodes the keys and prefixes of such listings as S3 and MinIO do.
 */
export class ListingEncodingProxy {
  private constructor(
    private readonly server: Server,
    readonly endpoint: string,
  ) {}

  static async start(target: string): Promise<ListingEncodingProxy> {
    const upstream = new URL(target);
    const server = createServer((req, res) => {
      const encode = req.method === 'GET' && /[?&]encoding-type=url(&|$)/.test(req.url ?? '');
      const forwarded = request({ host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers }, (up) => {
        if (!encode) {
          res.writeHead(up.statusCode ?? 502, up.headers);
          up.pipe(res);
          return;
        }
        const chunks: Buffer[] = [];
        up.on('data', (c: Buffer) => chunks.push(c));
        up.on('end', () => {
          const xml = Buffer.concat(chunks)
            .toString('utf8')
            .replace(/<(Key|Prefix)>([^<]*)<\/\1>/g, (_, tag: string, text: string) => `<${tag}>${encodeURIComponent(xmlText(text))}</${tag}>`);
          const headers: IncomingHttpHeaders = { ...up.headers, 'content-length': String(Buffer.byteLength(xml)) };
          delete headers['transfer-encoding'];
          res.writeHead(up.statusCode ?? 502, headers);
          res.end(xml);
        });
      });
      forwarded.on('error', () => res.destroy());
      req.pipe(forwarded);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return new ListingEncodingProxy(server, `http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
