import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Certificates for a TLS Docker engine and its client, as `dockerd --tlsverify` wants them. */
export interface EngineCerts {
  /** A folder with ca.pem, cert.pem and key.pem: what DOCKER_CERT_PATH or `certPath` names. */
  clientDir: string;
  server: { cert: Buffer; key: Buffer; ca: Buffer };
}

/**
 * A throwaway CA, a server certificate for `localhost` and 127.0.0.1, and a client certificate,
 * made with openssl in `dir`.
 */
export function makeEngineCerts(dir: string): EngineCerts {
  const ca = throwawayCa(dir);
  ca.sign('server', 'localhost', 'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n');
  ca.sign('client', 'tci-test-client', 'extendedKeyUsage=clientAuth\n');
  const clientDir = join(dir, 'client');
  mkdirSync(clientDir);
  writeFileSync(join(clientDir, 'ca.pem'), ca.read('ca.pem'));
  writeFileSync(join(clientDir, 'cert.pem'), ca.read('client-cert.pem'));
  writeFileSync(join(clientDir, 'key.pem'), ca.read('client-key.pem'));
  return {
    clientDir,
    server: { cert: ca.read('server-cert.pem'), key: ca.read('server-key.pem'), ca: ca.read('ca.pem') },
  };
}

/** A throwaway CA and a server certificate for the address `ip`, made with openssl in `dir`. */
export function makeServerCert(dir: string, ip: string): { cert: Buffer; key: Buffer; ca: Buffer } {
  const ca = throwawayCa(dir);
  ca.sign('server', ip, `subjectAltName=IP:${ip}\nextendedKeyUsage=serverAuth\n`);
  return { cert: ca.read('server-cert.pem'), key: ca.read('server-key.pem'), ca: ca.read('ca.pem') };
}

/** A CA of two days in `dir` (P-256 keys: made in milliseconds) that signs `<name>-cert.pem`s. */
function throwawayCa(dir: string) {
  const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  const key = (name: string) => openssl('ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', name);
  key('ca-key.pem');
  openssl(
    'req',
    '-x509',
    '-new',
    '-key',
    'ca-key.pem',
    '-out',
    'ca.pem',
    '-days',
    '2',
    '-subj',
    '/CN=tci-test-ca',
  );
  return {
    sign(name: string, cn: string, ext: string): void {
      key(`${name}-key.pem`);
      openssl('req', '-new', '-key', `${name}-key.pem`, '-out', `${name}.csr`, '-subj', `/CN=${cn}`);
      writeFileSync(join(dir, `${name}.ext`), ext);
      openssl(
        'x509',
        '-req',
        '-in',
        `${name}.csr`,
        '-CA',
        'ca.pem',
        '-CAkey',
        'ca-key.pem',
        '-CAcreateserial',
        '-out',
        `${name}-cert.pem`,
        '-days',
        '2',
        '-extfile',
        `${name}.ext`,
      );
    },
    read: (file: string) => readFileSync(join(dir, file)),
  };
}
