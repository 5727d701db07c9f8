import type { ImageSettings, LayerSource } from '../../inputs/oci-types.js';
import { generateEntrypoint, type ProcfileProcess } from './procfile-entrypoint.js';

/**
 * The Procfile part of an image: `/entrypoint` (the generated POSIX sh script, executable by
 * everyone) and the settings that make `docker run IMAGE` run `web` when there is one, in
 * `workingDir`, with `env` set in the image.
 */
export function procfileSettings(
  processes: readonly ProcfileProcess[],
  env: Record<string, string>,
  workingDir = '/app',
): { entrypoint: LayerSource; settings: ImageSettings } {
  return {
    entrypoint: { kind: 'file', at: 'entrypoint', content: generateEntrypoint(processes), mode: 0o755 },
    settings: {
      env,
      workingDir,
      entrypoint: ['/entrypoint'],
      // Without web, no default command: the entrypoint then lists the processes and exits 2.
      cmd: processes.some((p) => p.name === 'web') ? ['web'] : undefined,
    },
  };
}
