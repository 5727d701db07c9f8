import type { BuildTypeHandler } from './image/build-type.js';
import { dockerBuildType } from './image/docker-build-type.js';
import { herokuBuildpackBuildType } from './image/heroku-buildpack-build-type.js';
import { nodeBuildType } from './image/node-build-type.js';
import type { BuildType } from '../inputs/types.js';

/** The build types the tool builds; site build types of 2018 are refused before any work. */
export const buildTypeHandlers: Readonly<Record<BuildType, BuildTypeHandler>> = {
  docker: dockerBuildType,
  'heroku-buildpack': herokuBuildpackBuildType,
  node: nodeBuildType,
};
