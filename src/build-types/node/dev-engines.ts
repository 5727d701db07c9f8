import semver from 'semver';

/** What `devEngines` names of the image, and what the image has of it. */
export interface EngineMismatch {
  /** `packageManager` or `runtime`: the field under `devEngines`. */
  field: 'packageManager' | 'runtime';
  /** `npm 11.16.0`: what the field asks for (the first entry of a list). */
  wanted: string;
  /** `npm 11.19.1`: what the image has. */
  have: string;
}

/** The ways out of a `devEngines` the image does not meet, for the install image and the run image alike. */
export const DEV_ENGINES_HINT =
  "build and run with an image that has it (baseImage, buildImage or the build config's images), " +
  'or let devEngines accept the image\'s (a wider range, or "onFail": "warn")';

interface Wanted {
  name?: unknown;
  version?: unknown;
  onFail?: unknown;
}

/**
 * What npm 10.9 and later refuse to work with (`EBADDEVENGINES`, in `npm ci`, `npm run` and
 * `npm start` alike) when the project root's `package.json` has `devEngines`: the npm and Node.js
 * of the image, as npm-install-checks compares them. A field fails when none of its entries
 * matches the name and the version (a semver range, else the exact string), and only stops npm
 * when the last entry's `onFail` is `error` (the default; `download` counts as `error`).
 */
export function devEnginesMismatches(
  devEngines: unknown,
  image: { npm: string; node: string },
): EngineMismatch[] {
  if (typeof devEngines !== 'object' || devEngines === null) return [];
  const have = { packageManager: ['npm', image.npm], runtime: ['node', image.node] } as const;
  const out: EngineMismatch[] = [];
  for (const field of ['packageManager', 'runtime'] as const) {
    const entries = [(devEngines as Record<string, unknown>)[field]]
      .flat()
      .filter((e): e is Wanted => typeof e === 'object' && e !== null);
    const [name, version] = have[field];
    const last = entries.at(-1);
    if (last === undefined || entries.some((e) => matches(e, name, version))) continue;
    if (!['error', 'download', undefined].includes(last.onFail as string | undefined)) continue;
    const first = entries[0] as Wanted;
    out.push({
      field,
      wanted: `${String(first.name)}${typeof first.version === 'string' ? ` ${first.version}` : ''}`,
      have: `${name} ${version}`,
    });
  }
  return out;
}

function matches(wanted: Wanted, name: string, version: string): boolean {
  if (wanted.name !== name) return false;
  if (typeof wanted.version !== 'string') return true;
  return semver.validRange(wanted.version) !== null
    ? semver.satisfies(version, wanted.version)
    : wanted.version === version;
}
