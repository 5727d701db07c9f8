import { connect, createServer, type Server, type Socket } from 'node:net';
import { freePort } from './free-port.js';

/**
 * A TCP proxy on 127.0.0.1 in front of a Docker Engine's unix socket: the engine as a
 * `tcp://` endpoint the test controls. It records every connection and the request lines the
 * client sent (`GET /images/…/json`), and `cut()` drops every connection at once and refuses new
 * ones, as an engine host that goes away would, without stopping the shared engine behind it.
 */
export class EngineProxy {
  connections = 0;
  readonly requests: string[] = [];
  private readonly sockets = new Set<Socket>();
  private server: Server | undefined;

  private constructor(
    private readonly socketPath: string,
    readonly port: number,
  ) {}

  static async start(socketPath: string): Promise<EngineProxy> {
    const proxy = new EngineProxy(socketPath, await freePort());
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
    const server = createServer((client) => {
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
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.server = server;
  }
}
