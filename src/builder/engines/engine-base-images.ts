import { OnceByKey } from '../../core/once-by-key.js';
import { isUserError } from '../../core/user-error.js';
import type { ImageRef, RegistryCredentials } from '../../inputs/types.js';
import type { DockerEngine } from './docker-engine.js';
import { unreachableEngineOf } from './engine-endpoint.js';
import { digestOf, repositoryOf } from './resolve-base-image-digests.js';

/** What an engine holds of a base image, against the image the build key names. */
export type BaseImageState =
  | { kind: 'same' }
  /** Another image or none; the one the key names can be pulled by digest. */
  | { kind: 'pull'; from: string }
  | { kind: 'unavailable'; why: string };

export interface EngineRef {
  id: string;
  client: DockerEngine;
}

/**
 * Base images across engines. The first engine (the key engine) defines each service's build
 * key, so its base images are the ones every engine must build from: another engine either
 * holds the same image (same image ID), or pulls it by the digest the key names and tags it
 * under the name the build uses, or cannot build the service at all, when the key engine knows
 * the image only by its local ID (it exists in no registry). One lookup per engine and image,
 * and one pull, whatever the number of services sharing it.
 */
export class EngineBaseImages {
  private readonly states = new OnceByKey<string, BaseImageState>();
  private readonly pulls = new OnceByKey<string, void>();

  constructor(
    /** The key engine, answering from the lookups of the build-key phase. */
    private readonly key: EngineRef,
    private readonly authFor: (ref: string) => Promise<RegistryCredentials | undefined>,
  ) {}

  /** `ref`'s state on `engine`; `expected` is the digest or image ID in the build key. */
  state(engine: EngineRef, ref: string, expected: string): Promise<BaseImageState> {
    if (engine.id === this.key.id) return Promise.resolve({ kind: 'same' });
    // A failed lookup (an engine not answering) is not remembered as an answer.
    return this.states.get(`${engine.id}\u0000${ref}`, () => this.look(engine, ref, expected));
  }

  /**
   * Pulls what `state` said to pull and tags it as `ref`. A pull the registry refuses makes the
   * image unavailable on that engine (and is thrown); an engine that stops answering is thrown.
   */
  ensure(engine: EngineRef, ref: string, state: BaseImageState, signal: AbortSignal): Promise<void> {
    if (state.kind !== 'pull') return Promise.resolve();
    const k = `${engine.id}\u0000${ref}`;
    // Shared while it runs; afterwards the state it leaves answers.
    return this.pulls.get(k, async () => {
      try {
        await engine.client.pull(state.from, await this.authFor(ref), signal);
        if (!ref.includes('@')) await engine.client.tag(state.from, ref as ImageRef);
        this.settle(k, { kind: 'same' });
      } catch (e) {
        if (isUserError(e) && unreachableEngineOf(e) === undefined) {
          this.settle(k, {
            kind: 'unavailable',
            why: `could not be pulled there: ${e.problems[0]?.message ?? e.message}`,
          });
        }
        throw e;
      } finally {
        this.pulls.forget(k);
      }
    });
  }

  private settle(k: string, state: BaseImageState): void {
    this.states.forget(k);
    void this.states.get(k, async () => state);
  }

  private async look(engine: EngineRef, ref: string, expected: string): Promise<BaseImageState> {
    const [keyInfo, info] = await Promise.all([this.key.client.imageInfo(ref), engine.client.imageInfo(ref)]);
    if (info !== undefined && keyInfo !== undefined && info.id === keyInfo.id) return { kind: 'same' };
    if (keyInfo !== undefined && digestOf(ref, keyInfo).source === 'registry') {
      return { kind: 'pull', from: `${repositoryOf(ref)}@${expected}` };
    }
    return {
      kind: 'unavailable',
      why:
        `exists only in the local store of engine ${this.key.id} (${expected.slice(0, 19)}), ` +
        `not in a registry`,
    };
  }
}
