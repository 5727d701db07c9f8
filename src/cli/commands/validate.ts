import { UserError } from '../../core/user-error.js';
import type { ProcessContext } from '../process-context.js';

export async function validateCommand(
  _ctx: ProcessContext,
  _spec: string,
  _opts: Record<string, unknown>,
): Promise<void> {
  throw new UserError({ message: 'validate: not yet implemented' });
}
