/**
 * `mwe-image manifest`: what an app image tells about itself (labels, ENV,
 * user) and the Kubernetes and compose manifests made from it. Pure: the
 * command (`src/commands/manifest.ts`) reads the image through the engine.
 */
import { IMAGE_PATHS, RUNTIME_USER } from './contract.js';
import { RuntimeFailure, UsageError } from './errors.js';
import { READINESS } from './plan.js';
import { yamlComment, yamlDocument, type YamlValue } from './yaml.js';

/** The facts of an app image a manifest depends on. */
export interface ImageFacts {
  /** The image as the user named it (what the manifest runs). */
  reference: string;
  /** `org.opencontainers.image.title`: the app's name. */
  title: string;
  /** `io.mwe-image.port`: where Apache listens. */
  port: number;
  /** `io.mwe-image.https-port`: where Apache listens for HTTPS (--https-port), if it does. */
  httpsPort?: number;
  /** `MWE_STOP_TIMEOUT` in the image's ENV: how long a graceful stop may take. */
  stopTimeout: number;
  /** `MWE_STOP_DELAY` in the image's ENV: seconds between SIGTERM and the graceful stop. */
  stopDelay: number;
  /**
   * The image's VOLUME directories (an image built with --server-root declares
   * it), if any: Docker fills a new volume from the image, Kubernetes ignores VOLUME.
   */
  volumes?: string[];
  /**
   * `MWE_CPU_AFFINITY=1` in the image's ENV (--cpu-affinity): its processes bind to CPUs, so the pod
   * asks for this many whole CPUs, one a process (`MWE_PROCESSES`, 1 when unset or auto).
   */
  boundCpus?: number;
  /** The image's numeric user and group (`USER 10001:0`). */
  uid: number;
  gid: number;
}

export interface ManifestOptions {
  format: 'kubernetes' | 'compose';
  name: string;
  replicas: number;
}

export const HEALTHCHECK_COMMAND = IMAGE_PATHS.healthcheck;
/** Seconds on top of MWE_STOP_DELAY + MWE_STOP_TIMEOUT before the orchestrator kills: the entrypoint's hard stop and exit. */
export const STOP_MARGIN = 5;
export const DEFAULT_REPLICAS = 2;
/**
 * Requests fit one daemon process of the defaults (5 threads) with room; the
 * memory limit is twice the request, and a CPU limit of one core keeps a
 * runaway request from starving its neighbours (raise both for --processes N).
 */
export const RESOURCES = {
  requests: { cpu: '250m', memory: '256Mi' },
  limits: { cpu: '1', memory: '512Mi' },
} as const;

/** A DNS-1035 label: what Kubernetes accepts as a Deployment, Service and container name. */
const NAME = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;

export function checkName(name: string): string {
  if (name.length > 63 || !NAME.test(name)) {
    throw new UsageError(
      `--name: '${name}' is not a name Kubernetes and compose accept; use lower-case letters, digits and '-', starting with a letter, at most 63 characters`,
    );
  }
  return name;
}

export function checkReplicas(text: string): number {
  const replicas = Number(text);
  if (!/^\d+$/.test(text) || replicas > 1000) throw new UsageError(`--replicas: '${text}' is not a whole number from 0 to 1000`);
  return replicas;
}

/** A name from the image's title: lower-case, other characters turned to '-', 'app' when nothing is left. */
export function nameFromTitle(title: string): string {
  const name = title
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/^[^a-z]+/, '')
    .slice(0, 63)
    .replace(/-+$/, '');
  return name || 'app';
}

function wholeNumber(value: string | undefined, fallback: number, what: string, reference: string): number {
  if (value === undefined || value === '') return fallback;
  if (!/^\d+$/.test(value)) throw new RuntimeFailure(`image '${reference}': ${what} is '${value}', not a whole number`);
  return Number(value);
}

/**
 * Reads the facts from an image's inspect data. An image without mwe-image's
 * labels (or a toolchain image) is refused with one line.
 */
export function imageFacts(
  reference: string,
  config: { Labels?: Record<string, string> | null; Env?: string[] | null; User?: string; Volumes?: Record<string, object> | null },
): ImageFacts {
  const labels = config.Labels ?? {};
  if (labels['io.mwe-image.kind'] === 'toolchain') {
    throw new RuntimeFailure(`image '${reference}' is a mwe-image toolchain, not an app image; give an image made by mwe-image build`);
  }
  if (labels['io.mwe-image.port'] === undefined) {
    throw new RuntimeFailure(`image '${reference}' was not built by mwe-image build (no io.mwe-image.port label); give an image it made`);
  }
  const env = Object.fromEntries((config.Env ?? []).map((pair) => [pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1)]));
  const port = wholeNumber(labels['io.mwe-image.port'], 0, 'its io.mwe-image.port label', reference);
  if (port < 1 || port > 65535) throw new RuntimeFailure(`image '${reference}': its io.mwe-image.port label ${port} is not a port`);
  const httpsPort =
    labels['io.mwe-image.https-port'] === undefined
      ? undefined
      : wholeNumber(labels['io.mwe-image.https-port'], 0, 'its io.mwe-image.https-port label', reference);
  if (httpsPort !== undefined && (httpsPort < 1 || httpsPort > 65535))
    throw new RuntimeFailure(`image '${reference}': its io.mwe-image.https-port label ${httpsPort} is not a port`);
  const volumes = Object.keys(config.Volumes ?? {}).sort();
  // USER uid:gid of the app user in every app image; anything else (a name, root) gets the app user, which runAsNonRoot needs.
  const [uid, gid] = /^[1-9]\d*:\d+$/.test(config.User ?? '') ? config.User!.split(':').map(Number) : [RUNTIME_USER.uid, RUNTIME_USER.gid];
  return {
    reference,
    title: labels['org.opencontainers.image.title'] ?? 'app',
    port,
    ...(httpsPort === undefined ? {} : { httpsPort }),
    stopTimeout: wholeNumber(env.MWE_STOP_TIMEOUT, 8, 'MWE_STOP_TIMEOUT', reference),
    stopDelay: wholeNumber(env.MWE_STOP_DELAY, 0, 'MWE_STOP_DELAY', reference),
    ...(volumes.length === 0 ? {} : { volumes }),
    ...(env.MWE_CPU_AFFINITY === '1' ? { boundCpus: /^[1-9]\d*$/.test(env.MWE_PROCESSES ?? '') ? Number(env.MWE_PROCESSES) : 1 } : {}),
    uid,
    gid,
  };
}

/**
 * The container's resources: the defaults, or for an image that binds its processes to CPUs a
 * Guaranteed pod (requests equal to limits, whole CPUs), which the kubelet's static CPU manager
 * policy gives CPUs of its own; binding to CPUs shared with other pods would crowd them.
 */
function resources(facts: ImageFacts): Record<string, YamlValue> {
  if (facts.boundCpus === undefined) return { requests: { ...RESOURCES.requests }, limits: { ...RESOURCES.limits } };
  const guaranteed = { cpu: String(facts.boundCpus), memory: RESOURCES.limits.memory };
  return { requests: { ...guaranteed }, limits: { ...guaranteed } };
}

/** How long an orchestrator waits after SIGTERM before it kills: the delay, the graceful stop, and the margin. */
export function gracePeriod(facts: ImageFacts): number {
  return facts.stopDelay + facts.stopTimeout + STOP_MARGIN;
}

function header(facts: ImageFacts, argv: string[], what: string): string {
  return yamlComment(
    [
      `mwe-image manifest ${argv.join(' ')}`,
      `${what} for the image ${facts.reference} (port ${facts.port}, MWE_STOP_DELAY=${facts.stopDelay}, MWE_STOP_TIMEOUT=${facts.stopTimeout}):`,
      `the grace period is delay + timeout + ${STOP_MARGIN} s, the health checks are the image's own, the root file system read-only.`,
    ].join('\n'),
  );
}

/** Where an init container mounts the emptyDir it fills from the image's directory. */
const SEED_MOUNT = '/mnt/image-volume';

/** A Deployment and a Service under the "restricted" Pod Security Standard. */
export function kubernetesManifest(facts: ImageFacts, options: ManifestOptions, argv: string[]): string {
  const labels = { 'app.kubernetes.io/name': options.name };
  const exec = { command: [HEALTHCHECK_COMMAND] };
  const securityContext = {
    allowPrivilegeEscalation: false,
    readOnlyRootFilesystem: true,
    capabilities: { drop: ['ALL'] },
  };
  // Kubernetes ignores the image's VOLUMEs and an emptyDir starts empty: an init
  // container copies the image's directory into it, as Docker fills a new volume.
  const imageVolumes = (facts.volumes ?? []).map((directory, index) => ({ name: `image-volume-${index + 1}`, directory }));
  const initContainers = imageVolumes.map(({ name, directory }) => ({
    name: `seed-${name}`,
    image: facts.reference,
    imagePullPolicy: 'IfNotPresent',
    command: ['cp', '-R', `${directory}/.`, `${SEED_MOUNT}/`],
    resources: resources(facts),
    securityContext,
    volumeMounts: [{ name, mountPath: SEED_MOUNT }],
  }));
  const deployment: Record<string, YamlValue> = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: options.name, labels },
    spec: {
      replicas: options.replicas,
      selector: { matchLabels: labels },
      template: {
        metadata: { labels },
        spec: {
          terminationGracePeriodSeconds: gracePeriod(facts),
          automountServiceAccountToken: false,
          securityContext: {
            runAsNonRoot: true,
            runAsUser: facts.uid,
            runAsGroup: facts.gid,
            seccompProfile: { type: 'RuntimeDefault' },
          },
          ...(initContainers.length === 0 ? {} : { initContainers }),
          containers: [
            {
              name: options.name,
              image: facts.reference,
              imagePullPolicy: 'IfNotPresent',
              ports: [
                { name: 'http', containerPort: facts.port, protocol: 'TCP' },
                ...(facts.httpsPort === undefined ? [] : [{ name: 'https', containerPort: facts.httpsPort, protocol: 'TCP' }]),
              ],
              // Until the application answers (it loads before Apache serves): up to a minute.
              startupProbe: { exec, periodSeconds: 2, timeoutSeconds: 5, failureThreshold: 30 },
              // Apache's own answer, 403 from the moment a stop begins: out of the Service at once.
              readinessProbe: { httpGet: { path: READINESS.path, port: 'http' }, periodSeconds: 5, timeoutSeconds: 3, failureThreshold: 1 },
              // One request to the application; 5xx or no answer three times in a row restarts the container.
              livenessProbe: { exec, periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 3 },
              resources: resources(facts),
              securityContext,
              volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }, ...imageVolumes.map(({ name, directory }) => ({ name, mountPath: directory }))],
            },
          ],
          volumes: [{ name: 'tmp', emptyDir: { sizeLimit: '64Mi' } }, ...imageVolumes.map(({ name }) => ({ name, emptyDir: { sizeLimit: '64Mi' } }))],
        },
      },
    },
  };
  const service: Record<string, YamlValue> = {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: options.name, labels },
    spec: {
      selector: labels,
      ports: [
        { name: 'http', port: 80, targetPort: 'http', protocol: 'TCP' },
        ...(facts.httpsPort === undefined ? [] : [{ name: 'https', port: 443, targetPort: 'https', protocol: 'TCP' }]),
      ],
    },
  };
  const bound =
    facts.boundCpus === undefined
      ? ''
      : yamlComment(
          `MWE_CPU_AFFINITY=1: the image binds each process to a CPU, so the pod asks for ${facts.boundCpus} whole CPU${facts.boundCpus === 1 ? '' : 's'} with requests equal to limits (Guaranteed),\nwhich the kubelet's static CPU manager policy makes its own. Without that policy, add MWE_CPU_AFFINITY=0 to the container's env.`,
        );
  return `${header(facts, argv, 'Deployment and Service')}${bound}${yamlDocument(deployment)}---\n${yamlDocument(service)}`;
}

/** A compose file (no version: the Compose Specification) with one service. */
export function composeManifest(facts: ImageFacts, options: ManifestOptions, argv: string[]): string {
  const file = {
    services: {
      [options.name]: {
        image: facts.reference,
        ports: [facts.port, ...(facts.httpsPort === undefined ? [] : [facts.httpsPort])].map((port) => `127.0.0.1:${port}:${port}`),
        read_only: true,
        tmpfs: ['/tmp'],
        // The image's VOLUMEs, written out: anonymous volumes Docker fills from the image.
        ...(facts.volumes === undefined ? {} : { volumes: [...facts.volumes] }),
        cap_drop: ['ALL'],
        security_opt: ['no-new-privileges:true'],
        healthcheck: { test: ['CMD', HEALTHCHECK_COMMAND], interval: '10s', timeout: '5s', retries: 3, start_period: '60s' },
        stop_grace_period: `${gracePeriod(facts)}s`,
        restart: 'unless-stopped',
      },
    },
  };
  // Compose carries anonymous volumes over to a recreated container: a new image's configuration needs new ones.
  const renew =
    facts.volumes === undefined
      ? ''
      : yamlComment(`${facts.volumes.join(', ')}: filled from the image once; after changing the image, docker compose up --renew-anon-volumes.`);
  const bound =
    facts.boundCpus === undefined
      ? ''
      : yamlComment(
          `MWE_CPU_AFFINITY=1: the image binds each process to a CPU; give the service CPUs of its own\n(cpuset: "0-${facts.boundCpus - 1}", no other service on them), or set MWE_CPU_AFFINITY=0 in its environment.`,
        );
  return `${header(facts, argv, 'Compose service')}${renew}${bound}${yamlDocument(file)}`;
}
