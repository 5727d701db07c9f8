import { UserError } from '../../core/user-error.js';
import { runKubectl, type KubectlOptions } from './run-kubectl.js';

/** `kubectl apply -f <dir>`; a failure keeps the directory, which records what was sent. */
export async function applyResources(dir: string, opts: KubectlOptions): Promise<void> {
  const { code, lastLines } = await runKubectl(['apply', '-f', dir], opts);
  if (code !== 0) {
    throw new UserError(
      {
        message: `kubectl apply failed with exit status ${code}`,
        hint: `the resource files stay in ${dir}`,
      },
      { details: lastLines },
    );
  }
}
