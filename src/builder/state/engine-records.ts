import { serviceEngineFile } from './build-layout.js';
import { readStamp, writeStamp } from './stamp-file.js';

/** Where a service's image was last built or pulled, when a build has several engines. */
export interface EngineRecord {
  image: string;
  /** The engine's canonical endpoint. */
  engine: string;
}

/**
 * The records of `services`, by service. They steer the next build's questions ("is this
 * image here?") and its affinity ("this engine has the layers"); a missing or stale record only
 * costs a few more questions, never a wrong answer, because every answer comes from an engine.
 */
export async function readEngineRecords(
  baseDir: string,
  services: readonly string[],
): Promise<Map<string, EngineRecord>> {
  const records = await Promise.all(
    services.map((s) => readStamp<EngineRecord>(serviceEngineFile(baseDir, s))),
  );
  const out = new Map<string, EngineRecord>();
  services.forEach((s, i) => {
    const r = records[i];
    if (typeof r?.image === 'string' && typeof r.engine === 'string') out.set(s, r);
  });
  return out;
}

export async function writeEngineRecord(
  baseDir: string,
  service: string,
  record: EngineRecord,
): Promise<void> {
  await writeStamp(serviceEngineFile(baseDir, service), record);
}
