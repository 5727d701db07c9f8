import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './free-port.js';
import { stopServer } from './stop-server.js';

export interface TestSshServer {
  /** `ssh://root@127.0.0.1:<port>`: its `docker system dial-stdio` reaches the first engine. */
  endpoint: string;
  /**
   * Environment for the CLI: PATH starts with an `ssh` wrapper that uses this server's client key
   * and known_hosts (as a user's ~/.ssh/config would), so nothing of the real ~/.ssh is touched.
   */
  env: NodeJS.ProcessEnv;
  /** The same, with a known_hosts entry of another key for this host: a man in the middle. */
  wrongHostKeyEnv: NodeJS.ProcessEnv;
  stop(): Promise<void>;
}

/** Fails with what to run when OpenSSH's server is not installed. */
export function requireSshd(): void {
  try {
    execFileSync('/usr/sbin/sshd', ['-V'], { stdio: 'ignore' });
  } catch (e) {
    // `sshd -V` prints its version and exits non-zero on older releases; only a missing binary counts.
    if ((e as NodeJS.ErrnoException).code === 'ENOENT')
      throw new Error('no /usr/sbin/sshd: run .ci/setup-services.sh');
  }
}

/** A private sshd on a loopback port, with its own host key and one authorized client key. */
export async function startSshServer(): Promise<TestSshServer> {
  const dir = mkdtempSync(join(tmpdir(), 'tci-sshd-'));
  const key = (name: string) => {
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(dir, name)]);
    return readFileSync(join(dir, `${name}.pub`), 'utf8').trim();
  };
  const hostKey = key('host_key');
  const otherHostKey = key('other_host_key');
  writeFileSync(join(dir, 'authorized_keys'), key('client_key') + '\n');
  const port = await freePort();
  writeFileSync(
    join(dir, 'sshd_config'),
    [
      `Port ${port}`,
      'ListenAddress 127.0.0.1',
      `HostKey ${join(dir, 'host_key')}`,
      `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`,
      `PidFile ${join(dir, 'sshd.pid')}`,
      'PermitRootLogin prohibit-password',
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'UsePAM no',
      'StrictModes no',
      '',
    ].join('\n'),
  );
  mkdirSync('/run/sshd', { recursive: true });
  const child: ChildProcess = spawn('/usr/sbin/sshd', ['-D', '-e', '-f', join(dir, 'sshd_config')], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (b: Buffer) => (stderr += b.toString()));
  await waitForPort(port, child, () => stderr);

  const wrapper = (name: string, knownHostKey: string): NodeJS.ProcessEnv => {
    const bin = join(dir, name);
    mkdirSync(bin);
    writeFileSync(join(dir, `${name}-known_hosts`), `[127.0.0.1]:${port} ${knownHostKey}\n`);
    writeFileSync(
      join(dir, `${name}-config`),
      [
        'Host *',
        `  IdentityFile ${join(dir, 'client_key')}`,
        '  IdentitiesOnly yes',
        `  UserKnownHostsFile ${join(dir, `${name}-known_hosts`)}`,
        '  StrictHostKeyChecking yes',
        '',
      ].join('\n'),
    );
    writeFileSync(join(bin, 'ssh'), `#!/bin/sh\nexec /usr/bin/ssh -F ${join(dir, `${name}-config`)} "$@"\n`);
    chmodSync(join(bin, 'ssh'), 0o755);
    return { PATH: `${bin}:${process.env['PATH'] ?? ''}` };
  };
  return {
    endpoint: `ssh://root@127.0.0.1:${port}`,
    env: wrapper('bin', hostKey),
    wrongHostKeyEnv: wrapper('bin-mitm', otherHostKey),
    stop: () => stopServer(child, dir),
  };
}

async function waitForPort(port: number, child: ChildProcess, log: () => string): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const open = await new Promise<boolean>((resolve) => {
      const s = connect(port, '127.0.0.1', () => {
        s.destroy();
        resolve(true);
      });
      s.on('error', () => resolve(false));
    });
    if (open) return;
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill();
      throw new Error(`sshd did not start on port ${port}: ${log()}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}
