import protobuf from 'protobufjs/light.js';

/**
 * The protobuf messages a BuildKit build exchanges with us, defined in code rather than loaded
 * from .proto files: the CLI ships as one bundle with no data files, and we need only these few
 * fields. Field names and numbers follow moby/buildkit (api/services/control/control.proto,
 * session/auth/auth.proto, session/secrets/secrets.proto) and grpc's health.proto; fields we
 * never read are left out (protobuf skips unknown fields).
 */

export interface Timestamp {
  seconds: number;
  nanos: number;
}

export interface Vertex {
  digest: string;
  inputs?: string[];
  name?: string;
  cached?: boolean;
  started?: Timestamp;
  completed?: Timestamp;
  error?: string;
}

export interface VertexStatus {
  ID?: string;
  vertex: string;
  name?: string;
  current?: number;
  total?: number;
  completed?: Timestamp;
}

export interface VertexLog {
  vertex: string;
  timestamp?: Timestamp;
  msg?: Uint8Array;
}

export interface VertexWarning {
  vertex: string;
  short?: Uint8Array;
}

/** One `moby.buildkit.trace` message of a build's progress stream. */
export interface StatusResponse {
  vertexes?: Vertex[];
  statuses?: VertexStatus[];
  logs?: VertexLog[];
  warnings?: VertexWarning[];
}

function type(name: string, fields: [name: string, id: number, type: string, rule?: 'repeated'][]) {
  const t = new protobuf.Type(name);
  for (const [field, id, fieldType, rule] of fields) t.add(new protobuf.Field(field, id, fieldType, rule));
  return t;
}

const root = new protobuf.Root();
const timestamp = type('Timestamp', [
  ['seconds', 1, 'int64'],
  ['nanos', 2, 'int32'],
]);
root.add(timestamp);
root.add(
  type('Vertex', [
    ['digest', 1, 'string'],
    ['inputs', 2, 'string', 'repeated'],
    ['name', 3, 'string'],
    ['cached', 4, 'bool'],
    ['started', 5, 'Timestamp'],
    ['completed', 6, 'Timestamp'],
    ['error', 7, 'string'],
  ]),
);
root.add(
  type('VertexStatus', [
    ['ID', 1, 'string'],
    ['vertex', 2, 'string'],
    ['name', 3, 'string'],
    ['current', 4, 'int64'],
    ['total', 5, 'int64'],
    ['completed', 8, 'Timestamp'],
  ]),
);
root.add(
  type('VertexLog', [
    ['vertex', 1, 'string'],
    ['timestamp', 2, 'Timestamp'],
    ['msg', 4, 'bytes'],
  ]),
);
root.add(
  type('VertexWarning', [
    ['vertex', 1, 'string'],
    ['short', 3, 'bytes'],
  ]),
);
const statusResponse = type('StatusResponse', [
  ['vertexes', 1, 'Vertex', 'repeated'],
  ['statuses', 2, 'VertexStatus', 'repeated'],
  ['logs', 3, 'VertexLog', 'repeated'],
  ['warnings', 4, 'VertexWarning', 'repeated'],
]);
root.add(statusResponse);

const healthCheckRequest = type('HealthCheckRequest', [['service', 1, 'string']]);
/** `status` 1 is SERVING. */
const healthCheckResponse = type('HealthCheckResponse', [['status', 1, 'int32']]);
const credentialsRequest = type('CredentialsRequest', [['Host', 1, 'string']]);
const credentialsResponse = type('CredentialsResponse', [
  ['Username', 1, 'string'],
  ['Secret', 2, 'string'],
]);
const getSecretRequest = type('GetSecretRequest', [['ID', 1, 'string']]);
const getSecretResponse = type('GetSecretResponse', [['data', 1, 'bytes']]);
for (const t of [
  healthCheckRequest,
  healthCheckResponse,
  credentialsRequest,
  credentialsResponse,
  getSecretRequest,
  getSecretResponse,
]) {
  root.add(t);
}

export const buildkitMessages = {
  statusResponse,
  healthCheckRequest,
  healthCheckResponse,
  credentialsRequest,
  credentialsResponse,
  getSecretRequest,
  getSecretResponse,
  /** The plain object of a decoded message: int64 as numbers, bytes as Uint8Array. */
  toObject<T>(t: protobuf.Type, bytes: Uint8Array): T {
    return t.toObject(t.decode(bytes), { longs: Number }) as T;
  },
};
