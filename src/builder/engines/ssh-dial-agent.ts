import { Agent } from 'node:http';
import { Duplex, PassThrough } from 'node:stream';
import { startProcess, type RunningProcess } from '../../core/exec.js';

export interface SshTarget {
  host: string;
  port?: number;
  user?: string;
  /** `ssh://…`, for messages. */
  id: string;
}

const agents = new Map<string, Agent>();

/**
 * An http.Agent for an `ssh://` engine: each connection is `ssh … docker system dial-stdio`,
 * exactly what the docker CLI runs for such a host. Hand-written (40 lines) rather than
 * docker-modem's ssh support: that one uses the ssh2 library, which accepts any host key
 * unless told otherwise and reads neither `~/.ssh/config` nor `known_hosts`; running the user's
 * own `ssh` keeps host-key checking, keys, ssh-agent and config as the user set them up. One
 * agent per engine; connections are not kept alive (each request is one ssh session).
 */
export function sshDialAgent(target: SshTarget): Agent {
  let agent = agents.get(target.id);
  if (agent === undefined) {
    agent = new Agent({ keepAlive: false });
    agent.createConnection = () => dialOverSsh(target) as unknown as ReturnType<Agent['createConnection']>;
    agents.set(target.id, agent);
  }
  return agent;
}

function dialOverSsh(target: SshTarget): Duplex {
  const args = [
    '-o',
    'BatchMode=yes',
    '-o',
    'ConnectTimeout=30',
    '-T',
    ...(target.user !== undefined ? ['-l', target.user] : []),
    ...(target.port !== undefined ? ['-p', String(target.port)] : []),
    '--',
    target.host,
    'docker',
    'system',
    'dial-stdio',
  ];
  // Both directions go through streams of our own, and the answer ends only once ssh has
  // exited: an ssh failure (a refused host key, no route) then reaches the client as itself,
  // not as a connection closed without an answer.
  const answer = new PassThrough();
  const request = new PassThrough();
  const socket = Duplex.from({ readable: answer, writable: request });
  const fail = (why: string, lastLines: readonly string[] = []) => {
    const last = lastLines.filter((l) => l.trim() !== '').at(-1) ?? '';
    const err = Object.assign(new Error(`${why}${last ? `: ${last}` : ''}`), { code: 'ERR_SSH_DIAL' });
    if (!socket.destroyed) socket.destroy(err);
  };
  let child: RunningProcess | undefined;
  socket.on('close', () => {
    if (child !== undefined && !child.exited) child.kill();
  });
  void startProcess('ssh', args, { stdin: 'pipe', stdout: 'pipe' })
    .then((started) => {
      child = started;
      started.stdout?.pipe(answer, { end: false });
      if (started.stdin !== undefined) request.pipe(started.stdin);
      if (socket.destroyed) started.kill();
      return started.result;
    })
    .then(
      (r) => {
        if (r.code === 0) answer.end();
        else fail(`ssh ended with ${r.signal ?? r.code}`, r.lastLines);
      },
      (e: NodeJS.ErrnoException) =>
        fail(e.code === 'ENOENT' ? 'no ssh client on PATH' : `ssh failed: ${e.message}`),
    );
  return withSocketMethods(socket);
}

/** What node:http calls on a net.Socket; a pipe to a process has no such options. */
function withSocketMethods(socket: Duplex): Duplex {
  let timer: NodeJS.Timeout | undefined;
  Object.assign(socket, {
    setNoDelay: () => socket,
    setKeepAlive: () => socket,
    ref: () => socket,
    unref: () => socket,
    setTimeout: (ms: number, cb?: () => void) => {
      clearTimeout(timer);
      if (cb) socket.once('timeout', cb);
      if (ms > 0) timer = setTimeout(() => socket.emit('timeout'), ms).unref();
      return socket;
    },
  });
  socket.on('close', () => clearTimeout(timer));
  return socket;
}
