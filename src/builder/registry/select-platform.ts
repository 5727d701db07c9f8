import { UserError } from '../../core/user-error.js';
import type { OciDescriptor, OciIndex, OciPlatform } from '../../inputs/oci-types.js';

/** Node's names for CPU architectures → the OCI/Go names registries use. */
const OCI_ARCH: Record<string, string> = {
  x64: 'amd64',
  arm64: 'arm64',
  arm: 'arm',
  ia32: '386',
  ppc64: 'ppc64le',
  s390x: 's390x',
  riscv64: 'riscv64',
};

/** linux and this machine's architecture, in OCI names: the platform an image is run on here. */
export function hostPlatform(): OciPlatform {
  return { os: 'linux', architecture: OCI_ARCH[process.arch] ?? process.arch };
}

/**
 * The entry of an index (OCI index or Docker manifest list) for `want`. A variant is compared
 * only when `want` gives one (a wanted `v8` also matches an entry without variant). No match is an error
 * listing the platforms the index has; attestation entries (`unknown/unknown`) are not listed.
 */
export function selectPlatform(index: OciIndex, want: OciPlatform, what: string): OciDescriptor {
  const match = index.manifests.find((d) => {
    const p = d.platform;
    if (p === undefined || p.os !== want.os || p.architecture !== want.architecture) return false;
    return want.variant === undefined || p.variant === want.variant || (want.variant === 'v8' && !p.variant);
  });
  if (match !== undefined) return match;
  const present = index.manifests
    .map((d) => d.platform)
    .filter((p): p is OciPlatform => p !== undefined && p.os !== 'unknown')
    .map(platformName);
  throw new UserError({
    message: `${what} has no image for ${platformName(want)}; its index lists ${present.length > 0 ? present.join(', ') : 'no platforms'}`,
  });
}

function platformName(p: OciPlatform): string {
  return [p.os, p.architecture, p.variant].filter((s) => s !== undefined && s !== '').join('/');
}
