import { spawn } from 'node:child_process';
import { createWriteStream, type WriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { InterruptedError } from './user-error.js';

export interface ExecOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Appends all output to this file (created with its folder). */
  logFile?: string;
  /** Called for each complete output line (already redacted by the caller's choice). */
  onLine?: (line: string) => void;
  /** How many trailing lines to keep for error messages. */
  tail?: number;
  signal?: AbortSignal;
  input?: string;
}

export interface ExecResult {
  code: number;
  stdout: string;
  stderr: string;
  lastLines: string[];
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
  await mkdir(dirname(logFile), { recursive: true });
  return createWriteStream(logFile, { flags: 'a' });
}

/**
 * Runs a command without a shell. Captures stdout/stderr in memory only when no log file is
 * given (git plumbing output is small); build tools go to a log file and keep a tail.
 */
export async function exec(
  cmd: string,
  args: readonly string[],
  opts: ExecOptions = {},
): Promise<ExecResult> {
  if (opts.signal?.aborted) throw new InterruptedError('SIGINT');
  const log = opts.logFile !== undefined ? await openLog(opts.logFile) : undefined;
  const tail = new LineTail(opts.tail ?? 20, opts.onLine);
  return await new Promise<ExecResult>((resolve, reject) => {
    const child = spawn(cmd, args, {
      cwd: opts.cwd,
      env: opts.env ?? process.env,
      stdio: [opts.input !== undefined ? 'pipe' : 'ignore', 'pipe', 'pipe'],
      signal: opts.signal,
    });
    let stdout = '';
    let stderr = '';
    const onData = (which: 'out' | 'err') => (buf: Buffer) => {
      const s = buf.toString('utf8');
      if (log) log.write(buf);
      else if (which === 'out') stdout += s;
      else stderr += s;
      tail.push(s);
    };
    child.stdout?.on('data', onData('out'));
    child.stderr?.on('data', onData('err'));
    // A child that exits without reading its input breaks the pipe; its exit status reports that.
    child.stdin?.on('error', () => undefined);
    if (opts.input !== undefined) child.stdin?.end(opts.input);
    child.on('error', (err: NodeJS.ErrnoException) => {
      log?.end();
      if (err.name === 'AbortError') reject(new InterruptedError('SIGINT'));
      else reject(err);
    });
    child.on('close', (code, sig) => {
      tail.end();
      const done = () => resolve({ code: code ?? (sig ? 128 : 1), stdout, stderr, lastLines: tail.lines });
      if (log) log.end(done);
      else done();
    });
  });
}
