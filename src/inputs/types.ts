/**
 * The typed form of the tool's inputs. Loaders (cluster-spec, build-config, deploy-inputs)
 * produce these or a list of Problems; build and deploy consume them. A release is a spec with
 * `exactSource`, the built image of each service and a `release` block (src/inputs/release.ts).
 */

declare const brand: unique symbol;
type Brand<T, B extends string> = T & { readonly [brand]: B };

export type CommitSha = Brand<string, 'CommitSha'>;
export type BuildKey = Brand<string, 'BuildKey'>;
export type Digest = Brand<string, 'Digest'>;
/** A docker image reference: `name:tag` or `name@sha256:…`. */
export type ImageRef = Brand<string, 'ImageRef'>;

/** Taskcluster's own 2018 site builders: recognised, never built. */
export const SITE_BUILD_TYPES = ['docs', 'tools-ui', 'references'] as const;
export type SiteBuildType = (typeof SITE_BUILD_TYPES)[number];

/** Credentials taken out of a source URL; never stored, never printed. */
export interface UrlCredentials {
  username?: string;
  password?: string;
}

/** A parsed `<git url>#<ref>`. */
export interface GitSource {
  /** The URL without credentials: what is stored, printed and written to the release. */
  url: string;
  /** Branch, tag or 40-hex commit; undefined means the remote's default branch. */
  ref?: string;
  credentials?: UrlCredentials;
  /** Local paths and file:// URLs: the resolved absolute path on disk. */
  localPath?: string;
}

/** What every service is, whatever its build type: the loader types the rest (src/inputs/service-types.ts). */
export interface ServiceSpec {
  readonly buildType: string;
}

export interface SiteService {
  buildType: SiteBuildType;
}

interface RepositoryBase {
  name: string;
  /** Index in `build.repositories`, for error paths. */
  index: number;
  source: GitSource;
  /** The entry exactly as written (credentials stripped from URLs), carried into the release. */
  raw: RepositoryEntry;
}

/** A `kind: service` repository; `S` is what its build type read from its fields. */
export interface ServiceRepository<S extends ServiceSpec = ServiceSpec> extends RepositoryBase {
  kind: 'service';
  service: S | SiteService;
}

export interface OtherRepository extends RepositoryBase {
  kind: 'other';
}

export type Repository<S extends ServiceSpec = ServiceSpec> = ServiceRepository<S> | OtherRepository;

/**
 * A repository entry of `build.yml` as written (credentials stripped from every URL), in the
 * order its keys were written, with what a release adds (`exactSource`, the service's image).
 */
export interface RepositoryEntry {
  name: string;
  kind: 'service' | 'other';
  source: string;
  docs?: unknown;
  service?: ServiceEntry;
  /** `<url>#<40-hex commit>`: in a release, always. */
  exactSource?: string;
}

/** A service object as written: its build type's fields, and in a release the built image. */
export interface ServiceEntry extends Partial<BuiltImage> {
  buildType?: string;
  buildtype?: string;
  [field: string]: unknown;
}

/** The `build` section as written: in a release, with every entry pinned. */
export interface BuildSection {
  repositories: RepositoryEntry[];
}

/** What a build adds to each built service of a release (docs/reference/release.md). */
export interface BuiltImage {
  /** `<repo>@sha256:<digest>` when pushed, else the `SVC-` tag. */
  dockerImage: ImageRef;
  buildKey: BuildKey;
  /** Whether the tool wrote the image itself, so the same inputs give this digest anywhere. */
  reproducible: boolean;
  /** The image's manifest digest, when known (always for reproducible images). */
  imageDigest?: Digest;
  /** Built on several engines without --push: the engine that holds the image. */
  engine?: string;
}

export interface ReleaseInfo {
  tool: { name: string; version: string };
  createdAt: string;
}

/** Where each part of a spec came from, for error messages. */
export interface SpecFiles {
  /** `build.yml` or the JSON file */
  build: string;
  /** `deploy.yml` or the JSON file */
  deploy: string;
  /** the spec as the user named it (directory or JSON file) */
  spec: string;
  form: 'directory' | 'json';
}

export interface ClusterSpec<S extends ServiceSpec = ServiceSpec> {
  files: SpecFiles;
  repositories: Array<Repository<S>>;
  /** The `build` section as written (credentials stripped), to be carried into a release. */
  rawBuild: BuildSection;
  /** The JSON-e template, unchanged. */
  deploy: unknown;
  /** Present when the spec is a release. */
  release?: ReleaseInfo;
  /** Maps a path in the build section (`repositories[3].kind`) to its YAML line, when from YAML. */
  buildLineOf?: (path: ReadonlyArray<string | number>) => number | undefined;
  /** Maps a path in the deploy template (`resources[3].spec`) to its YAML line, when from YAML. */
  deployLineOf?: (path: ReadonlyArray<string | number>) => number | undefined;
}

export interface RegistryCredentials {
  username: string;
  password: string;
}

export interface BuildConfig {
  docker: {
    repositoryPrefix: string;
    registries: Record<string, RegistryCredentials>;
    /** How `docker` services are built unless they name a `builder`: default BuildKit. */
    builder: DockerBuilder;
  };
  /** Replaces base images the tool itself chooses: `heroku/heroku:16` -> mirror. */
  images: Record<string, string>;
  /** The Docker engines to build on (`engines:`); empty: `DOCKER_HOST`, else the local socket. */
  engines: EngineConfig[];
  /** Build secrets by id (`secrets:`): a value (often `!env NAME`) or a file read when a build needs it. */
  secrets: Record<string, BuildSecretSource>;
  /** Every sensitive value read from the config (passwords, `!env` values), for redaction. */
  sensitiveValues: string[];
}

/** The Docker Engine's two image builders: BuildKit (its API with a session) and the legacy one. */
export type DockerBuilder = 'buildkit' | 'legacy';

/** One entry of the build config's `secrets:`: its value, or an absolute file path to read. */
export type BuildSecretSource = string | { file: string };

/** One entry of the build config's `engines:` list, with where it was written. */
export interface EngineConfig {
  /** As Docker writes it: `unix:///…`, `tcp://host:port`, `ssh://user@host[:port]`. */
  endpoint: string;
  /** Most image builds at once on this engine; default `--concurrency`. */
  concurrency?: number;
  /** Absolute folder with ca.pem, cert.pem and key.pem (TLS for a tcp endpoint). */
  certPath?: string;
  /** The config file, its line and the path of the entry (`engines[1]`), for error messages. */
  file: string;
  line?: number;
  path: string;
}

/** Deploy-time settings; becomes `cfg` in the JSON-e context. */
export type DeployConfig = Record<string, unknown>;
/** Infrastructure facts; becomes `infra`. */
export type InfraInfo = Record<string, unknown>;
