import { spawn, type ChildProcess } from 'node:child_process';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { cliPath, repoRoot } from './run-cli.js';

/** One `--log-format json` event as printed on stdout. */
export type JsonEvent = Record<string, unknown> & { kind: string };

export interface CliOutcome {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  events: JsonEvent[];
  /** Highest resident set size the CLI process reached (VmHWM), in kilobytes; 0 if never read. */
  peakRssKb: number;
}

export interface CliStartOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /**
   * Start it as a shell starts a job in a terminal: leading a process group of its own, which
   * `signalJob` signals as a whole, as Ctrl-C does.
   */
  terminalJob?: boolean;
}

/**
 * The real CLI as a running child, for tests that act while it works: wait for a json event,
 * then kill it with a signal of choice. Only the CLI's own process gets the signal, as with
 * `kill <pid>`; whatever it started must be cleaned up by the tool itself.
 */
export class CliProcess {
  readonly child: ChildProcess;
  readonly events: JsonEvent[] = [];
  stdout = '';
  stderr = '';
  peakRssKb = 0;
  readonly done: Promise<CliOutcome>;
  private partial = '';
  private waiters: Array<{ pred: (e: JsonEvent) => boolean; resolve: (e: JsonEvent) => void }> = [];
  private readonly rssTimer: NodeJS.Timeout;

  private constructor(args: string[], opts: CliStartOptions) {
    this.child = spawn(process.execPath, [cliPath, ...args], {
      cwd: opts.cwd ?? repoRoot,
      env: { ...process.env, DEBUG: '', DOCKER_BUILDKIT: '0', ...opts.env },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: opts.terminalJob === true,
    });
    this.child.stdout?.on('data', (b: Buffer) => this.onStdout(b.toString()));
    this.child.stderr?.on('data', (b: Buffer) => (this.stderr += b.toString()));
    // VmHWM is the kernel's own high-water mark, so sampling now and then still yields the peak.
    this.rssTimer = setInterval(() => this.sampleRss(), 100);
    this.done = new Promise((resolve, reject) => {
      this.child.on('error', reject);
      this.child.on('close', (code, signal) => {
        clearInterval(this.rssTimer);
        resolve({
          code,
          signal,
          stdout: this.stdout,
          stderr: this.stderr,
          events: this.events,
          peakRssKb: this.peakRssKb,
        });
      });
    });
  }

  static start(args: string[], opts: CliStartOptions = {}): CliProcess {
    return new CliProcess(args, opts);
  }

  /** Resolves with the first event (already seen or still to come) that matches. */
  waitFor(pred: (e: JsonEvent) => boolean, what = 'event'): Promise<JsonEvent> {
    const seen = this.events.find(pred);
    if (seen !== undefined) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      this.waiters.push({ pred, resolve });
      void this.done.then((o) =>
        reject(new Error(`CLI ended (code ${o.code}) before ${what}\nstderr:\n${o.stderr}`)),
      );
    });
  }

  kill(signal: NodeJS.Signals): void {
    this.child.kill(signal);
  }

  /** Signals the CLI's whole process group, as a terminal does (started with `terminalJob`). */
  signalJob(signal: NodeJS.Signals): void {
    process.kill(-(this.child.pid as number), signal);
  }

  private onStdout(chunk: string): void {
    this.stdout += chunk;
    const lines = (this.partial + chunk).split('\n');
    this.partial = lines.pop() ?? '';
    for (const line of lines) {
      if (!line.startsWith('{')) continue;
      const event = JSON.parse(line) as JsonEvent;
      this.events.push(event);
      this.waiters = this.waiters.filter((w) => {
        if (!w.pred(event)) return true;
        w.resolve(event);
        return false;
      });
    }
  }

  private sampleRss(): void {
    try {
      const status = readFileSync(`/proc/${this.child.pid}/status`, 'utf8');
      const kb = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0);
      if (kb > this.peakRssKb) this.peakRssKb = kb;
    } catch {
      // the process is gone
    }
  }
}

/** Runs the CLI to the end. */
export async function runCliToEnd(
  args: string[],
  opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<CliOutcome> {
  return await CliProcess.start(args, opts).done;
}

/**
 * Polls `ready` (a cheap look at the file system or a flag) until it holds; fails when the
 * CLI ends first or, with `cli` undefined, after 10 s.
 */
export async function until(
  ready: () => boolean | Promise<boolean>,
  cli: CliProcess | undefined,
  what: string,
): Promise<void> {
  for (let waited = 0; ; waited += 10) {
    if (await ready()) return;
    if (cli !== undefined && cli.child.exitCode !== null)
      assert.fail(`the CLI ended before ${what}:\n${cli.stderr}`);
    if (cli === undefined && waited > 10_000) assert.fail(`not within 10 s: ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
