import { spawn } from 'node:child_process';
import type { KubeApiDouble } from './kube-api-double.js';

export interface KubectlRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The real kubectl against the double, as an operator at a terminal would run it. */
export async function kubectl(api: KubeApiDouble, args: string[], input = ''): Promise<KubectlRun> {
  const child = spawn('kubectl', args, {
    env: { ...process.env, ...api.env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
  child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
  child.stdin.end(input);
  const code = await new Promise<number | null>((r) => child.on('close', r));
  return { code, stdout, stderr };
}
