/**
 * The deflate level of every layer the tool compresses: 1, as go-containerregistry (ko, crane)
 * compresses layers by default (`gzip.BestSpeed`). A `node_modules` layer is made again for each
 * new lock file and its compression is on the build's critical path: level 1 takes about a
 * third of level 6's time for about a fifth more bytes.
 */
export const GZIP_LEVEL = 1;

/**
 * Names the compressed bytes `deterministicGzip` gives: what is kept compressed under another
 * name (a daemon base's export) must not be reused when they change. Kept apart from the
 * compressor so that naming it loads no deflate code.
 */
export const GZIP_FORMAT = `pako3-chunk1m-level${GZIP_LEVEL}`;
