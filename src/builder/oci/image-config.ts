import type { ImageSettings, OciImageConfig } from '../../inputs/oci-types.js';
import type { Digest } from '../../inputs/types.js';

export interface AddedLayer {
  diffId: Digest;
  /** What made it, for `docker history`: no path of this machine, no time, no credential. */
  createdBy: string;
}

/** What a container gets when its image sets no PATH (Docker's and containerd's default). */
const DOCKER_DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/**
 * The config of an image made of `base` plus `layers`: the base's container config with our
 * `Env`, `WorkingDir`, `Entrypoint` and `Cmd` (its `User`, `Labels`, ports and the rest are
 * kept), `created` and our history entries at `epoch` (the source commit's time), and
 * `rootfs.diff_ids` the base's then ours. What the base's config says about the container that
 * made it (`container`, `container_config`, `docker_version`, `author`) is not carried over: it
 * describes the base, not this image.
 */
export function composeImageConfig(
  base: OciImageConfig,
  layers: readonly AddedLayer[],
  settings: ImageSettings,
  epoch: number,
): OciImageConfig {
  const created = new Date(epoch * 1000).toISOString().replace(/\.000Z$/, 'Z');
  const env = [...(base.config?.Env ?? [])];
  const path = env.find((e) => e.startsWith('PATH='))?.slice('PATH='.length) ?? DOCKER_DEFAULT_PATH;
  const appended = settings.pathAppend ?? [];
  const added = appended.length > 0 ? { PATH: [path, ...appended].join(':') } : {};
  for (const [name, value] of Object.entries({ ...added, ...settings.env })) {
    const i = env.findIndex((e) => e.split('=')[0] === name);
    if (i >= 0) env[i] = `${name}=${value}`;
    else env.push(`${name}=${value}`);
  }
  const config: NonNullable<OciImageConfig['config']> = {
    ...base.config,
    Env: env,
    WorkingDir: settings.workingDir,
    Entrypoint: settings.entrypoint,
  };
  if (settings.cmd !== undefined) config.Cmd = settings.cmd;
  else delete config.Cmd;
  const platform = base as OciImageConfig & { variant?: string; 'os.version'?: string };
  return {
    architecture: base.architecture,
    os: base.os,
    ...(platform.variant !== undefined ? { variant: platform.variant } : {}),
    ...(platform['os.version'] !== undefined ? { 'os.version': platform['os.version'] } : {}),
    created,
    config,
    rootfs: { type: 'layers', diff_ids: [...base.rootfs.diff_ids, ...layers.map((l) => l.diffId)] },
    history: [...(base.history ?? []), ...layers.map((l) => ({ created, created_by: l.createdBy }))],
  };
}
