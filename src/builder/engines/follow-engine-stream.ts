import { once } from 'node:events';
import type { WriteStream } from 'node:fs';
import { LineTail, openLog } from '../../core/exec.js';
import { InterruptedError, UserError } from '../../core/user-error.js';

export interface FollowOptions {
  /** Names the work in the failure message: `<label> failed: <reason>`. */
  label: string;
  onLine(line: string): void;
  logFile?: string;
  signal?: AbortSignal;
  /** A hint for the failure, chosen from the daemon's reason. */
  hint?: (reason: string) => string | undefined;
}

/**
 * Reads the JSON-lines stream of a build, push or pull. The daemon answers these with HTTP 200
 * and reports failure *inside* the stream (`error` / `errorDetail`), so every message is
 * inspected. Output goes to the log file and `onLine` as it arrives; only a tail is kept in
 * memory, so megabytes of build output cost nothing. Returns the `aux` payloads (image ID of
 * a build, digest of a push).
 */
export async function followEngineStream(
  stream: AsyncIterable<Buffer | string>,
  opts: FollowOptions,
): Promise<unknown[]> {
  const log = opts.logFile !== undefined ? await openLog(opts.logFile) : undefined;
  const tail = new LineTail(20, opts.onLine);
  const aux: unknown[] = [];
  let failure: string | undefined;
  let partial = '';

  const output = async (raw: string) => {
    // The legacy builder colours a RUN's stderr with ANSI codes; logs and messages are plain text.
    // eslint-disable-next-line no-control-regex
    const text = raw.replace(/\x1b\[[0-9;]*[A-Za-z]/g, '');
    tail.push(text);
    if (log && !log.write(text)) await once(log, 'drain');
  };
  const handle = async (line: string) => {
    if (line.trim() === '') return;
    let msg: Record<string, unknown>;
    try {
      msg = JSON.parse(line) as Record<string, unknown>;
    } catch {
      await output(line + '\n');
      return;
    }
    const detail = msg['errorDetail'] as { message?: unknown } | undefined;
    if (msg['error'] !== undefined || detail !== undefined) {
      failure = String(detail?.message ?? msg['error']);
      await output(failure + '\n');
    }
    if (typeof msg['stream'] === 'string') await output(msg['stream']);
    if (typeof msg['status'] === 'string') {
      // Byte-count progress bars would flood the log; the status changes are what matter.
      const progress = msg['progressDetail'] as { current?: unknown } | undefined;
      if (progress?.current === undefined) {
        const id = typeof msg['id'] === 'string' ? `${msg['id']}: ` : '';
        await output(`${id}${msg['status']}\n`);
      }
    }
    if (msg['aux'] !== undefined) aux.push(msg['aux']);
  };

  try {
    for await (const chunk of stream) {
      const lines = (partial + chunk.toString()).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) await handle(line);
    }
    await handle(partial);
  } catch (e) {
    if (opts.signal?.aborted) throw new InterruptedError('SIGINT');
    throw e;
  } finally {
    tail.end();
    await closeLog(log);
  }
  if (opts.signal?.aborted) throw new InterruptedError('SIGINT');
  if (failure !== undefined) throw streamFailure(opts, failure, tail.lines);
  return aux;
}

export function streamFailure(opts: FollowOptions, reason: string, lastLines: readonly string[]): UserError {
  const logHint = opts.logFile !== undefined ? `full log: ${opts.logFile}` : undefined;
  const hint = [opts.hint?.(reason), logHint].filter((h) => h !== undefined).join('; ');
  return new UserError(
    { message: `${opts.label} failed: ${firstLine(reason)}`, ...(hint !== '' ? { hint } : {}) },
    { details: lastLines },
  );
}

function firstLine(s: string): string {
  return s.trim().split('\n')[0] ?? '';
}

async function closeLog(log: WriteStream | undefined): Promise<void> {
  if (!log) return;
  await new Promise<void>((resolve) => log.end(resolve));
}
