import { setMaxListeners } from 'node:events';
import { Redactor } from '../core/redact.js';

/**
 * What every command shares with the process: one redactor (so secrets learned anywhere are
 * masked everywhere) and one AbortController fired by SIGINT/SIGTERM.
 */
export interface ProcessContext {
  redactor: Redactor;
  abort: AbortController;
  cwd: string;
  env: NodeJS.ProcessEnv;
  isTty: boolean;
}

export const processContext: ProcessContext = {
  redactor: new Redactor(),
  abort: new AbortController(),
  cwd: process.cwd(),
  env: process.env,
  isTty: process.stderr.isTTY === true,
};

// Every registry request and child process of a build listens to this one signal: fifty
// services mean fifty listeners at once, which is not the leak Node's warning suspects.
setMaxListeners(0, processContext.abort.signal);

let interrupts = 0;
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.on(sig, () => {
    interrupts += 1;
    // A second interrupt means "stop now": skip cleanup.
    if (interrupts > 1) process.exit(130);
    processContext.abort.abort(new Error(sig));
  });
}
