import { connect, createServer, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import { freePort } from './free-port.js';

/** A TLS engine as `dockerd --tlsverify` is one: its certificate, and the CA its clients' certificates must come from. */
export interface ProxyTls {
  cert: Buffer;
  key: Buffer;
  ca: Buffer;
}

/**
 * A TCP proxy on 127.0.0.1 in front of a Docker Engine's unix socket: the engine as a
 * `tcp://` endpoint the test controls. It records every connection and the request lines the
 * client sent (`GET /images/…/json`), and `cut()` drops every connection at once and refuses new
 * ones, as an engine host that goes away would, without stopping the shared engine behind it.
 * With `tls`, it speaks TLS and wants a client certificate, as `dockerd --tlsverify` does.
 */
export class EngineProxy {
  connections = 0;
  readonly requests: string[] = [];
  private readonly sockets = new Set<Socket>();
  private server: Server | undefined;

  private constructor(
    private readonly socketPath: string,
    readonly port: number,
    private readonly tls: ProxyTls | undefined,
  ) {}

  static async start(socketPath: string, opts: { tls?: ProxyTls } = {}): Promise<EngineProxy> {
    const proxy = new EngineProxy(socketPath, await freePort(), opts.tls);
    await proxy.listen();
    return proxy;
  }

  /** The endpoint to give `--engine`. */
  get endpoint(): string {
    return `tcp://127.0.0.1:${this.port}`;
  }

  /** Forgets what was recorded so far. */
  reset(): void {
    this.connections = 0;
    this.requests.length = 0;
  }

  /** Every connection is dropped and new ones are refused. */
  async cut(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    const server = this.server;
    this.server = undefined;
    if (server !== undefined) await new Promise((r) => server.close(r));
  }

  async stop(): Promise<void> {
    await this.cut();
  }

  private async listen(): Promise<void> {
    const serve = (client: Socket) => {
      this.connections += 1;
      const upstream = connect(this.socketPath);
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on('close', () => this.sockets.delete(s));
        s.on('error', () => {
          client.destroy();
          upstream.destroy();
        });
      }
      let head = '';
      client.on('data', (chunk: Buffer) => {
        // Request lines only; what follows them (headers, build contexts) is dropped as it is read.
        head += chunk.toString('latin1');
        for (;;) {
          const m = /(?:^|\r\n)((?:GET|HEAD|POST|PUT|DELETE) \S+) HTTP\/1\.[01]\r\n/.exec(head);
          if (m === null) break;
          this.requests.push(m[1] as string);
          head = head.slice(m.index + m[0].length);
        }
        head = head.slice(-512);
      });
      client.pipe(upstream);
      upstream.pipe(client);
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
    };
    const server =
      this.tls === undefined
        ? createServer(serve)
        : createTlsServer({ ...this.tls, requestCert: true, rejectUnauthorized: true }, serve);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.server = server;
  }
}
