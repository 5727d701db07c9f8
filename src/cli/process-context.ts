import { setMaxListeners } from 'node:events';
import { killAllGroups } from '../core/process-group.js';
import { Redactor } from '../core/redact.js';

/**
 * What every command shares with the process: one redactor (so secrets learned anywhere are
 * masked everywhere) and one AbortController fired by SIGINT, SIGTERM and SIGHUP.
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

/**
 * The children the tool starts lead process groups of their own (src/core/process-group.ts),
 * so the signals a terminal sends its foreground job (Ctrl-C's SIGINT, SIGHUP when it closes)
 * reach the CLI alone, which stops them. (Node resets every ignored signal when it starts, so
 * under `nohup` SIGHUP ended the CLI before it was handled here too.)
 */
let interrupts = 0;
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.on(sig, () => {
    interrupts += 1;
    // A second interrupt means "stop now": skip cleanup, but leave no child running.
    if (interrupts > 1) {
      killAllGroups();
      process.exit(130);
    }
    processContext.abort.abort(new Error(sig));
  });
}
