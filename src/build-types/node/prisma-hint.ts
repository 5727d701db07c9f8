/** Prisma's own error when it cannot download an engine (`prisma generate`, its install scripts). */
const ENGINE_DOWNLOAD = /binaries\.prisma\.sh\/.* failed, reason: /;
/**
 * What a build script says when the client was never generated: TypeScript finds none of the
 * models in `@prisma/client`, or Prisma 5's stub throws. npm does not show the output of an
 * install script that exits 0, and `@prisma/client`'s exits 0 when its `prisma generate` failed.
 */
const NOT_GENERATED =
  /Module '"@prisma\/client"' has no exported member|@prisma\/client did not initialize yet/;

/**
 * The hint of a step that failed because Prisma could not download its engines, which it fetches
 * from binaries.prisma.sh (not the npm registry) when it installs and generates its client.
 */
export function prismaHint(image: string): (lines: readonly string[]) => string | undefined {
  return (lines) => {
    if (lines.some((l) => ENGINE_DOWNLOAD.test(l)))
      return (
        `Prisma could not download its engines from binaries.prisma.sh, which ${image} cannot reach: ` +
        'set env PRISMA_ENGINES_MIRROR to a mirror of it that the build reaches, or give the build image ' +
        "the engines' files and name them (PRISMA_QUERY_ENGINE_LIBRARY, PRISMA_SCHEMA_ENGINE_BINARY)"
      );
    if (lines.some((l) => NOT_GENERATED.test(l)))
      return (
        'the Prisma client was not generated: @prisma/client generates it at install only when the prisma ' +
        'CLI is installed and can download its engines (from binaries.prisma.sh), and says nothing when it ' +
        'cannot; run prisma generate in the build script ("build": "prisma generate && tsc") to see why'
      );
    return undefined;
  };
}
