import { spawn } from 'node:child_process';
import { createWriteStream, type WriteStream } from 'node:fs';
import { constants } from 'node:os';
import { dirname } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { makeDirectory } from './make-directory.js';
import { signalGroup, stopGroup, trackGroup, untrackGroup } from './process-group.js';
import { InterruptedError } from './user-error.js';

export type OutputStream = 'stdout' | 'stderr';

export interface ExecOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Standard input: a text, or a stream piped in (another process's output). Default: none. */
  input?: string | NodeJS.ReadableStream;
  /** Appends all output to this file (created with its folder); then `stdout`/`stderr` stay empty. */
  logFile?: string;
  /** Each complete output line, with the stream it came from. */
  onLine?: (line: string, stream: OutputStream) => void;
  /** Each chunk as it arrives, awaited before the next is read: a slow consumer slows the reading. */
  onOutput?: (chunk: Buffer, stream: OutputStream) => void | Promise<void>;
  /** How many trailing lines `lastLines` keeps (default 20). */
  tail?: number;
  /**
   * Streams whose output is data, not messages (`kubectl get -o json`, which may hold Secret
   * values): kept in `stdout`/`stderr` even with a log file, never logged, never given to
   * `onLine`/`onOutput`, never among `lastLines`.
   */
  dataOnly?: readonly OutputStream[];
  signal?: AbortSignal;
  /**
   * What an abort does: `kill` the process (default; the result rejects with InterruptedError),
   * or `leave` it to the caller, who stops it its own way (runc deletes its container instead).
   */
  onAbort?: 'kill' | 'leave';
}

export interface ExecResult {
  /** The exit status; 128 + n when signal n ended the process. */
  code: number;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  lastLines: string[];
}

export interface StartOptions extends ExecOptions {
  /** `pipe`: the caller writes `stdin` (and ends it); otherwise `input` or nothing. */
  stdin?: 'pipe';
  /** `pipe`: the caller reads `stdout` as a stream; it is then neither logged nor captured. */
  stdout?: 'pipe';
}

/** A started process: its streams when asked for, and its result once it has exited. */
export interface RunningProcess {
  readonly stdin: Writable | undefined;
  readonly stdout: Readable | undefined;
  /** Settles after the process exited and its output was read; rejects when it could not start. */
  readonly result: Promise<ExecResult>;
  /** Sends `signal` (default SIGTERM) to the process and to every process it started. */
  kill(signal?: NodeJS.Signals): void;
  /**
   * Ends the process and every process it started: SIGTERM, then SIGKILL after a grace period
   * (process-group.ts). Settles once they are gone; `result` then gives the exit status.
   */
  stop(): Promise<void>;
  /** Whether the process has exited. */
  readonly exited: boolean;
}

/** Keeps the last `max` lines of a stream without holding the whole stream. */
export class LineTail {
  private partial = '';
  readonly lines: string[] = [];
  constructor(
    private readonly max: number,
    private readonly onLine?: (line: string) => void,
  ) {}

  push(chunk: string): void {
    const parts = (this.partial + chunk).split(/\r?\n|\r/);
    this.partial = parts.pop() ?? '';
    // A single endless line must not grow memory without bound.
    if (this.partial.length > 64 * 1024) {
      parts.push(this.partial);
      this.partial = '';
    }
    for (const line of parts) this.add(line);
  }

  end(): void {
    if (this.partial !== '') this.add(this.partial);
    this.partial = '';
  }

  private add(line: string): void {
    this.lines.push(line);
    if (this.lines.length > this.max) this.lines.shift();
    this.onLine?.(line);
  }
}

export async function openLog(logFile: string): Promise<WriteStream> {
  makeDirectory(dirname(logFile));
  return createWriteStream(logFile, { flags: 'a' });
}

/**
 * Writes a step's output to its log: chunks as they come or, given `redact`, whole lines masked,
 * so a secret (or a UTF-8 character) cut between two chunks is still whole when it is masked.
 */
export function logWriter(
  log: WriteStream,
  redact?: (text: string) => string,
): { write(chunk: Buffer | string): Promise<void>; end(): void } {
  const put = async (data: Buffer | string) => {
    if (!log.write(data)) await new Promise<void>((r) => log.once('drain', () => r()));
  };
  if (redact === undefined) return { write: put, end: () => undefined };
  const lines = new LineTail(0, (line) => void log.write(`${redact(line)}\n`));
  const decoder = new StringDecoder('utf8');
  return {
    write: async (chunk) => lines.push(typeof chunk === 'string' ? chunk : decoder.write(chunk)),
    end: () => {
      lines.push(decoder.end());
      lines.end();
    },
  };
}

/**
 * The one child-process runner (git, kubectl, tar, runc, ssh, mount all go through it): runs
 * a command without a shell and settles once it has exited and all its output was read. Output
 * is captured in memory only when no log file is given (git plumbing output is small); build
 * tools go to a log file and keep a tail of lines for error messages.
 *
 * Hand-written rather than execa: execa's cancellation kills the child (runc's must not be
 * killed but its container deleted), and loading it would cost every command that spawns;
 * what we need is this page.
 */
export async function exec(
  cmd: string,
  args: readonly string[],
  opts: ExecOptions = {},
): Promise<ExecResult> {
  return await (
    await startProcess(cmd, args, opts)
  ).result;
}

type Closed = [code: number | null, signal: NodeJS.Signals | null];

/**
 * Starts a process; `exec` when the caller needs its streams or to stop it (ssh, piped tar).
 * The process leads a process group of its own, so that `kill`, `stop` and an abort reach
 * whatever it starts too (process-group.ts). It has no controlling terminal then, which no
 * caller needs: git, ssh and kubectl run with prompts off.
 */
export async function startProcess(
  cmd: string,
  args: readonly string[],
  opts: StartOptions = {},
): Promise<RunningProcess> {
  const stopOnAbort = opts.onAbort !== 'leave' ? opts.signal : undefined;
  if (stopOnAbort?.aborted === true) throw new InterruptedError('SIGINT');
  const log = opts.logFile !== undefined ? await openLog(opts.logFile) : undefined;
  const child = spawn(cmd, args, {
    cwd: opts.cwd,
    env: opts.env ?? process.env,
    stdio: [opts.stdin === 'pipe' || opts.input !== undefined ? 'pipe' : 'ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let done = false;
  const closed = new Promise<Closed>((resolve) => child.on('close', (...end) => resolve(end)));
  const pid = child.pid;
  if (pid !== undefined) trackGroup(pid);
  void closed.then(() => {
    done = true;
    if (pid !== undefined) untrackGroup(pid);
  });
  let stopping: Promise<void> | undefined;
  const stop = () => (stopping ??= pid !== undefined && !done ? stopGroup(pid, closed) : Promise.resolve());
  // A child that exits without reading its input breaks the pipe; its exit status reports that.
  child.stdin?.on('error', () => undefined);
  if (typeof opts.input === 'string') child.stdin?.end(opts.input);
  else if (opts.input !== undefined && child.stdin !== null) opts.input.pipe(child.stdin);
  const interrupted = stopOnAbort !== undefined ? stopWhenAborted(stopOnAbort, stop, closed) : undefined;
  return {
    stdin: opts.stdin === 'pipe' ? (child.stdin ?? undefined) : undefined,
    stdout: opts.stdout === 'pipe' ? (child.stdout ?? undefined) : undefined,
    result: collect(child, closed, opts, log, interrupted),
    kill: (signal = 'SIGTERM') => {
      if (pid !== undefined && !done) signalGroup(pid, signal);
    },
    stop,
    get exited() {
      return child.exitCode !== null || child.signalCode !== null;
    },
  };
}

/** An abort while the process runs: stop it, then report the interruption. */
interface Interruption {
  /** Rejects with InterruptedError once the aborted process is stopped; never settles otherwise. */
  promise: Promise<never>;
  fired(): boolean;
}

function stopWhenAborted(
  signal: AbortSignal,
  stop: () => Promise<void>,
  closed: Promise<Closed>,
): Interruption {
  let fired = false;
  const promise = new Promise<never>((_, reject) => {
    const onAbort = () => {
      fired = true;
      void stop().then(() => reject(new InterruptedError('SIGINT')));
    };
    // Aborted while the log file was being opened: the process has just started; stop it.
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    void closed.then(() => signal.removeEventListener('abort', onAbort));
  });
  promise.catch(() => undefined);
  return { promise, fired: () => fired };
}

async function collect(
  child: ReturnType<typeof spawn>,
  closed: Promise<Closed>,
  opts: StartOptions,
  log: WriteStream | undefined,
  interrupted: Interruption | undefined,
): Promise<ExecResult> {
  const failed = new Promise<never>((_, reject) => child.on('error', reject));
  // Awaited only while the process runs; an error after that has nobody left to tell.
  failed.catch(() => undefined);
  // The last lines of both streams in the order they ended, each stream cut into lines on its
  // own: a stdout line without its newline yet must not swallow the next stderr line.
  const lastLines: string[] = [];
  const keep = opts.tail ?? 20;
  const line = (text: string, name: OutputStream) => {
    lastLines.push(text);
    if (lastLines.length > keep) lastLines.shift();
    opts.onLine?.(text, name);
  };
  const text = { stdout: '', stderr: '' };
  const outcome = (async (): Promise<ExecResult> => {
    await Promise.all([
      readStream(opts.stdout === 'pipe' ? null : child.stdout, 'stdout', opts, log, line, text),
      readStream(child.stderr, 'stderr', opts, log, line, text),
    ]);
    const [code, signal] = await closed;
    return {
      code: code ?? 128 + (signal !== null ? constants.signals[signal] : 0),
      signal,
      ...text,
      lastLines,
    };
  })();
  try {
    const result = await Promise.race([outcome, failed, ...(interrupted ? [interrupted.promise] : [])]);
    // Ended by the abort's stop: the caller learns that it was interrupted, not how it ended.
    if (interrupted?.fired() === true) await interrupted.promise;
    return result;
  } finally {
    if (log !== undefined) await new Promise<void>((r) => log.end(r));
  }
}

/** Reads one output stream into the log (or `text`), its lines (to `line`) and `onOutput`. */
async function readStream(
  stream: Readable | null,
  name: OutputStream,
  opts: StartOptions,
  log: WriteStream | undefined,
  line: (text: string, name: OutputStream) => void,
  text: Record<OutputStream, string>,
): Promise<void> {
  if (stream === null) return;
  const decoder = new StringDecoder('utf8');
  if (opts.dataOnly?.includes(name) === true) {
    for await (const chunk of stream) text[name] += decoder.write(chunk as Buffer);
    text[name] += decoder.end();
    return;
  }
  const lines = new LineTail(0, (l) => line(l, name));
  for await (const chunk of stream) {
    const buf = chunk as Buffer;
    const s = decoder.write(buf);
    if (log !== undefined) {
      if (!log.write(buf)) await new Promise<void>((r) => log.once('drain', () => r()));
    } else text[name] += s;
    lines.push(s);
    await opts.onOutput?.(buf, name);
  }
  lines.push(decoder.end());
  lines.end();
}
