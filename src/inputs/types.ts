/**
 * The typed form of the tool's inputs. Loaders (cluster-spec, build-config, deploy-inputs)
 * produce these or a list of Problems; build and deploy consume them. A release is a spec with
 * `exactSource`, `service.dockerImage`, `service.buildKey` and a `release` block, so its type lives here.
 */

declare const brand: unique symbol;
type Brand<T, B extends string> = T & { readonly [brand]: B };

export type CommitSha = Brand<string, 'CommitSha'>;
export type BuildKey = Brand<string, 'BuildKey'>;
export type Digest = Brand<string, 'Digest'>;
/** A docker image reference: `name:tag` or `name@sha256:…`. */
export type ImageRef = Brand<string, 'ImageRef'>;

export const BUILD_TYPES = ['docker', 'heroku-buildpack', 'node'] as const;
export type BuildType = (typeof BUILD_TYPES)[number];
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

export interface DockerService {
  buildType: 'docker';
  context?: string;
  dockerfile?: string;
  buildArgs?: Record<string, string>;
  target?: string;
}

export interface HerokuBuildpackService {
  buildType: 'heroku-buildpack';
  buildpack: GitSource;
  stack: string;
}

export interface NodeService {
  buildType: 'node';
  /** major version; base image `node:<version>` */
  node?: string;
  baseImage?: string;
  buildScript?: string;
}

export interface SiteService {
  buildType: SiteBuildType;
}

export type ServiceBuild = DockerService | HerokuBuildpackService | NodeService | SiteService;

interface RepositoryBase {
  name: string;
  /** Index in `build.repositories`, for error paths. */
  index: number;
  source: GitSource;
  /** The entry exactly as written (credentials stripped from URLs), carried into the release. */
  raw: Record<string, unknown>;
}

export interface ServiceRepository extends RepositoryBase {
  kind: 'service';
  service: ServiceBuild;
}

export interface OtherRepository extends RepositoryBase {
  kind: 'other';
}

export type Repository = ServiceRepository | OtherRepository;

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

export interface ClusterSpec {
  files: SpecFiles;
  repositories: Repository[];
  /** The `build` section as written (credentials stripped), to be carried into a release. */
  rawBuild: Record<string, unknown>;
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
  };
  /** Replaces base images the tool itself chooses: `heroku/heroku:16` -> mirror. */
  images: Record<string, string>;
  /** The Docker engines to build on (`engines:`); empty: `DOCKER_HOST`, else the local socket. */
  engines: EngineConfig[];
  /** Every secret value read from the config (passwords, `!env` values), for redaction. */
  secrets: string[];
}

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
