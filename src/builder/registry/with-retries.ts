import { setTimeout as sleep } from 'node:timers/promises';
import { InterruptedError, UserError } from '../../core/user-error.js';
import { NetworkError } from './registry-request.js';

/** How patiently a registry step is tried again. Every request and upload of a session uses it. */
export interface RetryPolicy {
  /** Attempts after the first, for 5xx answers and connection errors (default 3). */
  retries?: number;
  /** First pause between attempts; doubles each time (default 250 ms: 0.25 s, 0.5 s, 1 s). */
  backoffMs?: number;
  signal?: AbortSignal;
  /** Told before each new attempt, with what failed (`registry … answered HTTP 503`). */
  onRetry?: (failure: string) => void;
}

const REACH_HINT = 'check that the registry is running and reachable from here';

/**
 * A failure worth another attempt that is not a connection error: a 5xx answer, or a step that
 * cannot go on and must start over. A UserError too, so that one escaping (from a blob stream
 * read by someone who does not retry) still reads well.
 */
export class RetryableError extends UserError {
  constructor(
    readonly registry: string,
    readonly failure: string,
  ) {
    super({ message: `registry ${registry} ${failure}`, hint: REACH_HINT });
    this.name = 'RetryableError';
  }
}

/**
 * Runs `attempt` until it succeeds, retrying RetryableErrors and NetworkErrors with exponential
 * backoff; any other error (refused credentials, bad input, a bug) is thrown at once. An aborted
 * `signal` stops at once, also during a pause, with InterruptedError.
 */
export async function withRetries<T>(
  registry: string,
  policy: RetryPolicy,
  attempt: () => Promise<T>,
): Promise<T> {
  const retries = policy.retries ?? 3;
  let pause = policy.backoffMs ?? 250;
  for (let i = 0; ; i++) {
    let failure: string;
    try {
      return await attempt();
    } catch (e) {
      if (policy.signal?.aborted) throw new InterruptedError('SIGINT');
      if (e instanceof RetryableError) failure = `registry ${e.registry} ${e.failure}`;
      else if (e instanceof NetworkError) failure = `registry ${registry} could not be reached (${e.code})`;
      else throw e;
    }
    if (i >= retries) throw new UserError({ message: `${failure}, ${i + 1} attempts`, hint: REACH_HINT });
    policy.onRetry?.(failure);
    try {
      await sleep(pause, undefined, policy.signal ? { signal: policy.signal } : {});
    } catch {
      throw new InterruptedError('SIGINT');
    }
    pause *= 2;
  }
}
