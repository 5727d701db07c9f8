/**
 * What `init` writes: a cluster spec with one `docker` service whose source is the `app/`
 * folder beside it (made a git repository with one commit, so `build` works at once), a deploy
 * template with a Deployment, a Service and an Ingress, and the deploy config those read.
 * The base image is busybox, whose `httpd` serves `app/www` in a 2 MB image.
 */

/** The top-level entries init creates; a directory holding any of them is refused. */
export const STARTER_ENTRIES = ['build.yml', 'deploy.yml', 'deploy-config.yml', 'app'] as const;

/** The folder made a git repository; the spec's source points at it. */
export const STARTER_APP_DIR = 'app';
export const STARTER_BRANCH = 'main';

/** The editor line of a YAML file: where yaml-language-server finds the file's JSON Schema. */
function schemaLine(version: string, schema: string): string {
  return `# yaml-language-server: $schema=https://unpkg.com/taskcluster-installer@${version}/schemas/${schema}\n`;
}

/** File path (relative to the spec directory) -> content. */
export function starterSpecFiles(version: string): Record<string, string> {
  return {
    'build.yml':
      schemaLine(version, 'build.schema.json') +
      `# The repositories of this cluster: each service's image is built from its source.
# Replace the source with your service's repository: <git url>#<branch, tag or commit>.
repositories:
  - name: hello
    kind: service
    source: ./${STARTER_APP_DIR}#${STARTER_BRANCH}
    service:
      buildType: docker
`,
    'deploy.yml': DEPLOY_YML,
    'deploy-config.yml':
      schemaLine(version, 'deploy-config.schema.json') +
      `# Deployment settings: the deploy template reads them as cfg. Read from the working directory
# by default, or name files with --deploy-config.
namespace: default
replicas: 1
host: hello.example.com
`,
    [`${STARTER_APP_DIR}/Dockerfile`]: DOCKERFILE,
    [`${STARTER_APP_DIR}/www/index.html`]: INDEX_HTML,
  };
}

const DEPLOY_YML = `# A JSON-e template, rendered by \`deploy\` with cfg (deploy-config.yml), infra (--infra-info)
# and the release's images (builtService('<name>').dockerImage) into one file per resource.
resources:
  - apiVersion: apps/v1
    kind: Deployment
    metadata:
      name: hello
      namespace: { $eval: cfg.namespace }
      labels: { app: hello }
    spec:
      replicas: { $eval: cfg.replicas }
      selector:
        matchLabels: { app: hello }
      template:
        metadata:
          labels: { app: hello }
        spec:
          containers:
            - name: hello
              image: { $eval: "builtService('hello').dockerImage" }
              ports:
                - containerPort: 8080

  - apiVersion: v1
    kind: Service
    metadata:
      name: hello
      namespace: { $eval: cfg.namespace }
    spec:
      selector: { app: hello }
      ports:
        - port: 80
          targetPort: 8080

  - apiVersion: networking.k8s.io/v1
    kind: Ingress
    metadata:
      name: hello
      namespace: { $eval: cfg.namespace }
    spec:
      rules:
        - host: { $eval: cfg.host }
          http:
            paths:
              - path: /
                pathType: Prefix
                backend:
                  service:
                    name: hello
                    port: { number: 80 }
`;

const DOCKERFILE = `FROM busybox:1.36
COPY www/ /www/
EXPOSE 8080
CMD ["httpd", "-f", "-p", "8080", "-h", "/www"]
`;

const INDEX_HTML = `<!doctype html>
<title>hello</title>
<p>Hello from a cluster built by taskcluster-installer.</p>
`;
