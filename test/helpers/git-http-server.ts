import { spawn } from 'node:child_process';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * Smart-HTTP git on loopback: `git http-backend` (the CGI real git servers run) behind a node
 * server. With `token`, every request must carry HTTP basic auth with that token as user
 * name (how GitHub-style tokens travel), and with `password` too, exactly that user and password; `delayMs` holds each request back, which makes a
 * clone slow enough to be interrupted. `requests` counts what reached the server. `port`
 * restarts a stopped server where the spec's URL expects it.
 */
export class GitHttpServer {
  requests = 0;
  delayMs = 0;
  private onRequest: Array<() => void> = [];

  private constructor(
    private readonly server: Server,
    readonly port: number,
  ) {}

  static async start(
    projectRoot: string,
    opts: { token?: string; password?: string; port?: number } = {},
  ): Promise<GitHttpServer> {
    const holder: { self?: GitHttpServer } = {};
    const auth = opts.token !== undefined ? { username: opts.token, password: opts.password } : undefined;
    const server = createServer((req, res) => void holder.self?.handle(req, res, projectRoot, auth));
    await new Promise<void>((r) => server.listen(opts.port ?? 0, '127.0.0.1', r));
    holder.self = new GitHttpServer(server, (server.address() as AddressInfo).port);
    return holder.self;
  }

  /** `http://[userinfo@]127.0.0.1:<port>/<path>`. */
  url(path: string, userinfo?: string): string {
    return `http://${userinfo !== undefined ? userinfo + '@' : ''}127.0.0.1:${this.port}/${path}`;
  }

  /** Resolves when the next request arrives. */
  nextRequest(): Promise<void> {
    return new Promise((r) => this.onRequest.push(r));
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((r) => this.server.close(r));
  }

  private async handle(
    req: IncomingMessage,
    res: ServerResponse,
    projectRoot: string,
    auth: { username: string; password: string | undefined } | undefined,
  ): Promise<void> {
    this.requests += 1;
    const waiting = this.onRequest;
    this.onRequest = [];
    for (const w of waiting) w();
    if (auth !== undefined) {
      const given = /^Basic (.+)$/.exec(req.headers.authorization ?? '')?.[1];
      const [user, ...rest] = given !== undefined ? Buffer.from(given, 'base64').toString().split(':') : [];
      if (user !== auth.username || (auth.password !== undefined && rest.join(':') !== auth.password)) {
        req.resume();
        res.writeHead(401, { 'WWW-Authenticate': 'Basic realm="git"' }).end();
        return;
      }
    }
    if (this.delayMs > 0) await new Promise((r) => setTimeout(r, this.delayMs));
    const url = new URL(req.url ?? '/', 'http://x');
    const cgi = spawn('git', ['http-backend'], {
      env: {
        PATH: process.env['PATH'],
        GIT_PROJECT_ROOT: projectRoot,
        GIT_HTTP_EXPORT_ALL: '1',
        REQUEST_METHOD: req.method ?? 'GET',
        PATH_INFO: decodeURIComponent(url.pathname),
        QUERY_STRING: url.search.replace(/^\?/, ''),
        CONTENT_TYPE: req.headers['content-type'] ?? '',
        HTTP_CONTENT_ENCODING: req.headers['content-encoding'] ?? '',
        GIT_PROTOCOL: String(req.headers['git-protocol'] ?? ''),
        REMOTE_ADDR: '127.0.0.1',
      },
      stdio: ['pipe', 'pipe', 'ignore'],
    });
    req.pipe(cgi.stdin);
    let head = Buffer.alloc(0);
    let headersDone = false;
    cgi.stdout.on('data', (chunk: Buffer) => {
      if (headersDone) {
        res.write(chunk);
        return;
      }
      head = Buffer.concat([head, chunk]);
      // CGI headers end at the first empty line.
      const m = /\r?\n\r?\n/.exec(head.toString('latin1'));
      if (m === null) return;
      headersDone = true;
      let status = 200;
      for (const line of head.subarray(0, m.index).toString().split(/\r?\n/)) {
        const i = line.indexOf(':');
        const name = line.slice(0, i).trim();
        const value = line.slice(i + 1).trim();
        if (name.toLowerCase() === 'status') status = Number(value.split(' ')[0]);
        else res.setHeader(name, value);
      }
      res.writeHead(status);
      res.write(head.subarray(m.index + m[0].length));
    });
    cgi.on('close', () => res.end());
    res.on('close', () => cgi.kill());
  }
}
