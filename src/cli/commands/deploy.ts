import { UserError } from '../../core/user-error.js';
import type { ProcessContext } from '../process-context.js';

export async function deployCommand(
  _ctx: ProcessContext,
  _release: string,
  _outDir: string,
  _opts: Record<string, unknown>,
): Promise<void> {
  throw new UserError({ message: 'deploy: not yet implemented' });
}
