import { createReadStream } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, normalize } from 'node:path';

/**
 * The storage a registry redirects blob GETs to (S3, a CDN), played by a file server on
 * 127.0.0.2, a different host from the registry's 127.0.0.1, over the registry's own
 * filesystem store. It records each request and whether it carried an Authorization header.
 * Start it first (the registry's config needs its URL), then set `root` to the registry's
 * `dataDir`.
 */
export class BlobStorageServer {
  readonly requests: Array<{ path: string; authorization: string | undefined }> = [];
  root = '';

  private constructor(private readonly server: Server) {}

  static async start(): Promise<BlobStorageServer> {
    const holder: { self?: BlobStorageServer } = {};
    const server = createServer((req, res) => {
      const path = new URL(req.url ?? '/', 'http://storage').pathname;
      holder.self?.requests.push({ path, authorization: req.headers.authorization });
      const file = createReadStream(join(holder.self?.root ?? '', normalize(path)));
      file.on('error', () => res.writeHead(404).end());
      file.on('open', () => {
        res.writeHead(200, { 'Content-Type': 'application/octet-stream' });
        file.pipe(res);
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.2', r));
    holder.self = new BlobStorageServer(server);
    return holder.self;
  }

  /** The `baseurl` for the registry's redirect middleware. */
  get baseUrl(): string {
    return `http://127.0.0.2:${(this.server.address() as AddressInfo).port}/`;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((r) => this.server.close(r));
  }
}
