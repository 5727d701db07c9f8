import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { after, before, beforeEach } from 'node:test';
import { startRegistry, type RegistryOptions, type TestRegistry } from './registry.js';

/** What the proxy does to one request. */
export type Fault =
  { kind: 'pass' } | { kind: 'status'; status: number } | { kind: 'delay'; ms: number } | { kind: 'hang-up' };

/**
 * A loopback HTTP proxy in front of a real registry that injects faults: a status (e.g. 500)
 * for the first N matching requests or forever, a delay per request, or refused connections
 * (`refuse()` closes the listening socket; `accept()` opens it again on the same port).
 * The Host header is passed on unchanged, so the registry's upload `Location`s point back at
 * the proxy and every request of a push goes through it.
 */
export class FaultProxy {
  /** Every request seen, in order, as `METHOD path`. */
  readonly requests: string[] = [];
  private rules: Array<{ match: (req: IncomingMessage) => boolean; fault: Fault; remaining: number }> = [];
  private server: Server;
  private readonly sockets = new Set<Socket>();

  private constructor(
    private readonly upstream: string,
    readonly port: number,
  ) {
    this.server = this.makeServer();
  }

  /** `upstream` is `127.0.0.1:<port>` of the real registry. */
  static async start(upstream: string): Promise<FaultProxy> {
    const probe = createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    const port = (probe.address() as AddressInfo).port;
    await new Promise((r) => probe.close(r));
    const proxy = new FaultProxy(upstream, port);
    await proxy.accept();
    return proxy;
  }

  /** `127.0.0.1:<port>`: use it as the registry in image names. */
  get host(): string {
    return `127.0.0.1:${this.port}`;
  }

  /**
   * Applies `fault` to the next `times` requests that `match` (default: all requests, forever).
   * Rules are checked in the order they were added; a used-up rule no longer applies.
   */
  inject(fault: Fault, opts: { times?: number; match?: (req: IncomingMessage) => boolean } = {}): void {
    this.rules.push({ match: opts.match ?? (() => true), fault, remaining: opts.times ?? Infinity });
  }

  clear(): void {
    this.rules = [];
  }

  /** Stops listening and drops open connections: clients get "connection refused". */
  async refuse(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    if (!this.server.listening) return;
    await new Promise((r) => this.server.close(r));
    this.server = this.makeServer();
  }

  async accept(): Promise<void> {
    if (this.server.listening) return;
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.port, '127.0.0.1', () => resolve());
    });
  }

  async stop(): Promise<void> {
    await this.refuse();
  }

  private makeServer(): Server {
    const server = createServer((req, res) => void this.handle(req, res));
    server.on('connection', (s) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    return server;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    this.requests.push(`${req.method} ${req.url}`);
    const rule = this.rules.find((r) => r.remaining > 0 && r.match(req));
    if (rule !== undefined) {
      rule.remaining -= 1;
      const f = rule.fault;
      if (f.kind === 'status') {
        req.resume();
        res.writeHead(f.status, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify({ errors: [{ code: 'UNKNOWN', message: 'injected fault' }] }));
        return;
      }
      if (f.kind === 'hang-up') {
        req.socket.destroy();
        return;
      }
      if (f.kind === 'delay') await new Promise((r) => setTimeout(r, f.ms));
    }
    const [host, port] = this.upstream.split(':');
    const up = request(
      { host, port: Number(port), method: req.method, path: req.url, headers: req.headers },
      (upRes) => {
        res.writeHead(upRes.statusCode ?? 502, upRes.headers);
        upRes.pipe(res);
      },
    );
    up.on('error', () => {
      res.destroy();
    });
    req.pipe(up);
  }
}

/**
 * A real registry with a FaultProxy in front, for the tests of the file or suite that calls
 * this: started before them and stopped after; the proxy's rules and request log are cleared
 * (and refused connections accepted again) before each test. Read the fields inside tests;
 * `opts` may be an async function that prepares what the registry needs (a token server):
 * node:test does not promise that an earlier top-level `before` has finished by then.
 */
export function useProxiedRegistry(opts: RegistryOptions | (() => Promise<RegistryOptions>) = {}): {
  registry: TestRegistry;
  proxy: FaultProxy;
} {
  const rig = {} as { registry: TestRegistry; proxy: FaultProxy };
  before(async () => {
    rig.registry = await startRegistry(typeof opts === 'function' ? await opts() : opts);
    rig.proxy = await FaultProxy.start(rig.registry.host);
  });
  after(async () => {
    await rig.proxy.stop();
    await rig.registry.stop();
  });
  beforeEach(async () => {
    rig.proxy.clear();
    rig.proxy.requests.length = 0;
    await rig.proxy.accept();
  });
  return rig;
}
