import type { BuildType } from './build-type.js';
import { dockerBuildType } from './docker/docker-build-type.js';
import { herokuBuildpackBuildType } from './heroku-buildpack/heroku-buildpack-build-type.js';
import { nodeBuildType } from './node/node-build-type.js';

/**
 * Every build type the tool builds, the one list: adding a build type is adding its folder and
 * a line here. The 2018 site builders (`docs`, `tools-ui`, `references`) are recognised by the
 * spec loader but built by nothing (src/inputs/types.ts).
 */
export const buildTypes: readonly BuildType[] = [dockerBuildType, herokuBuildpackBuildType, nodeBuildType];
