import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { OnceByKey } from '../../core/once-by-key.js';
import { imageProbesDir } from '../state/build-layout.js';
import { readStamp, writeStamp } from '../state/stamp-file.js';

interface ProbeRecord {
  image: string;
  cmd: readonly string[];
  stdout: string;
}

/**
 * What images answer about themselves (`ImageQueries.probe`): a command's output in a container
 * of an image, asked once per image digest and command and kept in the base dir, so only the
 * first build on a base image pays for a container (about a second).
 */
export class ImageProbes {
  private readonly running = new OnceByKey<string, string>();

  constructor(private readonly baseDir: string) {}

  /** The output of `cmd` in the image `digest`; `run` runs it when the base dir does not know. */
  answer(digest: string, cmd: readonly string[], run: () => Promise<string>): Promise<string> {
    const id = createHash('sha256')
      .update(JSON.stringify([digest, cmd]))
      .digest('hex')
      .slice(0, 32);
    return this.running.get(id, async () => {
      const file = join(imageProbesDir(this.baseDir), `${id}.json`);
      const known = await readStamp<ProbeRecord>(file);
      if (known !== undefined) return known.stdout;
      const stdout = await run();
      await writeStamp(file, { image: digest, cmd, stdout } satisfies ProbeRecord);
      return stdout;
    });
  }
}
