import { UserError } from '../../core/user-error.js';
import type { ProcessContext } from '../process-context.js';

export async function buildCommand(
  _ctx: ProcessContext,
  _spec: string,
  _release: string,
  _opts: Record<string, unknown>,
): Promise<void> {
  throw new UserError({ message: 'build: not yet implemented' });
}
