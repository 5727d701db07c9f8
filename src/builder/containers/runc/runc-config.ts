import type { ContainerUser } from './container-user.js';
import { SetupError } from './setup-error.js';

/** One bind mount: `hostPath:containerPath[:ro]`, parsed. */
export interface Bind {
  source: string;
  destination: string;
  readOnly: boolean;
}

export interface RuncProcess {
  args: string[];
  env: string[];
  cwd: string;
  user: ContainerUser;
}

export const HOSTNAME = 'build';

/**
 * Docker's default capabilities less CAP_NET_RAW: without a network namespace, raw sockets
 * would see the host's traffic, and build steps do not need them.
 */
const CAPABILITIES = [
  'CAP_CHOWN',
  'CAP_DAC_OVERRIDE',
  'CAP_FSETID',
  'CAP_FOWNER',
  'CAP_MKNOD',
  'CAP_SETGID',
  'CAP_SETUID',
  'CAP_SETFCAP',
  'CAP_SETPCAP',
  'CAP_NET_BIND_SERVICE',
  'CAP_SYS_CHROOT',
  'CAP_KILL',
  'CAP_AUDIT_WRITE',
];

/** /proc, /dev and its parts, /sys and its cgroups read-only: what every container has. */
const SYSTEM_MOUNTS = [
  { destination: '/proc', type: 'proc', source: 'proc', options: ['nosuid', 'noexec', 'nodev'] },
  {
    destination: '/dev',
    type: 'tmpfs',
    source: 'tmpfs',
    options: ['nosuid', 'strictatime', 'mode=755', 'size=65536k'],
  },
  {
    destination: '/dev/pts',
    type: 'devpts',
    source: 'devpts',
    options: ['nosuid', 'noexec', 'newinstance', 'ptmxmode=0666', 'mode=0620', 'gid=5'],
  },
  {
    destination: '/dev/shm',
    type: 'tmpfs',
    source: 'shm',
    options: ['nosuid', 'noexec', 'nodev', 'mode=1777', 'size=65536k'],
  },
  {
    destination: '/dev/mqueue',
    type: 'mqueue',
    source: 'mqueue',
    options: ['nosuid', 'noexec', 'nodev'],
  },
  { destination: '/sys', type: 'sysfs', source: 'sysfs', options: ['nosuid', 'noexec', 'nodev', 'ro'] },
  {
    destination: '/sys/fs/cgroup',
    type: 'cgroup',
    source: 'cgroup',
    options: ['nosuid', 'noexec', 'nodev', 'relatime', 'ro'],
  },
];

/** Namespaces (deliberately no network), devices, and Docker's masked and read-only /proc paths. */
const LINUX = {
  namespaces: [{ type: 'pid' }, { type: 'ipc' }, { type: 'uts' }, { type: 'mount' }],
  resources: { devices: [{ allow: false, access: 'rwm' }] },
  maskedPaths: [
    '/proc/asound',
    '/proc/acpi',
    '/proc/kcore',
    '/proc/keys',
    '/proc/latency_stats',
    '/proc/timer_list',
    '/proc/timer_stats',
    '/proc/sched_debug',
    '/proc/scsi',
    '/sys/firmware',
  ],
  readonlyPaths: ['/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger'],
};

/**
 * The OCI runtime config (config.json) of a build step, written here rather than adapted from
 * `runc spec` so every field is deliberate:
 * - `process`: the args, env, cwd and user given; no terminal (output goes to pipes); the
 *   capabilities above as bounding/effective/permitted (none inheritable or ambient);
 *   `noNewPrivileges`; rlimits inherited from the caller (npm opens many files).
 * - `root`: the bundle's `rootfs` (an overlay over the cached image), writable.
 * - `mounts`: /proc, /dev (tmpfs, runc adds the standard devices), /dev/pts, /dev/shm,
 *   /dev/mqueue, /sys and its cgroups read-only, the host's /etc/resolv.conf and /etc/hosts
 *   read-only (the step shares the host's network), then the binds (`rbind`, `ro` when asked).
 * - `linux`: pid, ipc, uts and mount namespaces, and deliberately no network namespace, so
 *   `npm ci` reaches the registries the host reaches; every device denied but runc's defaults;
 *   Docker's masked and read-only /proc paths. No seccomp profile (see docs/build-types.md).
 */
export function runcConfig(proc: RuncProcess, binds: readonly Bind[], hostFiles: readonly string[]): object {
  const caps = [...CAPABILITIES];
  return {
    ociVersion: '1.0.2',
    process: {
      terminal: false,
      user: { uid: proc.user.uid, gid: proc.user.gid, additionalGids: proc.user.additionalGids },
      args: proc.args,
      env: proc.env,
      cwd: proc.cwd,
      capabilities: { bounding: caps, effective: caps, permitted: caps },
      noNewPrivileges: true,
    },
    root: { path: 'rootfs', readonly: false },
    hostname: HOSTNAME,
    mounts: [
      ...SYSTEM_MOUNTS,
      ...hostFiles.map((f) => ({ destination: f, type: 'bind', source: f, options: ['rbind', 'ro'] })),
      ...binds.map((b) => ({
        destination: b.destination,
        type: 'bind',
        source: b.source,
        options: ['rbind', 'rprivate', ...(b.readOnly ? ['ro'] : [])],
      })),
    ],
    linux: LINUX,
  };
}

/** Parses `hostPath:containerPath[:ro]` (both absolute), as Docker's `Binds` reads it. */
export function parseBind(spec: string): Bind {
  const [source = '', destination = '', mode, ...rest] = spec.split(':');
  if (
    !source.startsWith('/') ||
    !destination.startsWith('/') ||
    rest.length > 0 ||
    (mode !== undefined && mode !== 'ro' && mode !== 'rw')
  ) {
    throw new SetupError(`invalid bind "${spec}": expected hostPath:containerPath[:ro], both absolute`);
  }
  return { source, destination, readOnly: mode === 'ro' };
}
