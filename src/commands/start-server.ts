/**
 * `mwe-image start-server APP [options]`: build when needed, then run the
 * image in the foreground with its port published, its logs on this
 * terminal, Ctrl-C (or SIGTERM) as a graceful stop, and the server's exit
 * status as this command's.
 */
import type Docker from 'dockerode';
import { UsageError } from '../errors.js';
import { OPTION_SPECS, type BuildOptions } from '../options.js';
import { buildApp } from './build.js';

export interface PublishOptions {
  /** Host interface the port is published on. */
  publishHost: string;
  /** Host port; defaults to the container's. */
  publishPort?: number;
  /** KEY=VALUE pairs for the container environment (what --passenv reads). */
  env: string[];
  /** --name: the container's name (default: from the tag). */
  name?: string;
}

/** Marks the containers start-server made: one of these left by a crash may be replaced, another container never. */
export const START_SERVER_LABEL = 'io.mwe-image.start-server';

/**
 * A container name from an image tag: the repository path with / as -, and the
 * tag unless it is latest (mwe-app/hello:latest -> mwe-app-hello, hello:1 -> hello-1).
 */
export function containerNameFromTag(tag: string): string {
  const lastColon = tag.lastIndexOf(':');
  const hasTag = lastColon > tag.lastIndexOf('/');
  const repository = hasTag ? tag.slice(0, lastColon) : tag;
  const version = hasTag ? tag.slice(lastColon + 1) : 'latest';
  const name = `${repository.replace(/^[^/]*[.:][^/]*\//, '')}${version === 'latest' ? '' : `-${version}`}`;
  return name.replace(/[^a-zA-Z0-9_.-]+/g, '-').replace(/^[^a-zA-Z0-9]+/, '').slice(0, 128) || 'mwe-server';
}

/** Frees `name` for a new container: removes a stopped one start-server left, refuses anything else. */
async function claimName(docker: Docker, name: string, label: string): Promise<void> {
  const existing = await docker.getContainer(name).inspect().catch(() => undefined);
  if (!existing) return;
  if (existing.State.Running || existing.Config.Labels?.[label] === undefined) {
    throw new UsageError(`--name: a container named ${name} ${existing.State.Running ? 'is running' : 'exists'}; stop it (docker rm -f ${name}) or give another --name`);
  }
  await docker.getContainer(name).remove({ force: true, v: true });
}

/**
 * The document's privileged-port pattern: the container starts as root when
 * Apache must bind a port below 1024, or switch to a --user/--group other than
 * the image's own; Apache binds, then its children and the daemon processes
 * run as --user/--group.
 */
export function startsAsRoot(options: BuildOptions): boolean {
  const fallback = (key: string) => OPTION_SPECS.find((spec) => spec.key === key)!.default;
  const privileged = (port: number | undefined) => port !== undefined && port < 1024;
  return privileged(options.port) || privileged(options.httpsPort) || options.user !== fallback('user') || options.group !== fallback('group');
}

/**
 * A container serving `image` with its port published as asked (start-server,
 * apachectl start); an --https-port on the same number of the same interface;
 * started as root when `asRoot` (see startsAsRoot).
 */
export function serverContainer(image: string, port: number, publish: PublishOptions, httpsPort?: number, asRoot = false): Docker.ContainerCreateOptions {
  const ports = [[port, publish.publishPort ?? port], ...(httpsPort === undefined ? [] : [[httpsPort, httpsPort]])];
  return {
    Image: image,
    ...(asRoot ? { User: '0:0' } : {}),
    Env: publish.env,
    ExposedPorts: Object.fromEntries(ports.map(([inside]) => [`${inside}/tcp`, {}])),
    HostConfig: { PortBindings: Object.fromEntries(ports.map(([inside, outside]) => [`${inside}/tcp`, [{ HostIp: publish.publishHost, HostPort: String(outside) }]])) },
  };
}

export function serverUrl(port: number, publish: PublishOptions): string {
  const host = publish.publishHost.includes(':') ? `[${publish.publishHost}]` : publish.publishHost;
  return `http://${host}:${publish.publishPort ?? port}/`;
}

export async function runStartServer(
  app: string,
  options: BuildOptions,
  publish: PublishOptions,
  argv: string[],
  progress: (line: string) => void,
): Promise<number> {
  const { docker, plan, result } = await buildApp(app, options, argv, progress);
  if (options.setupOnly) {
    // mod_wsgi-express --setup-only writes the server and does not run it; here the image is the setup.
    process.stdout.write(`${plan.tag} ${result.imageId}\n`);
    progress(`--setup-only: built ${plan.tag}; run it with docker run or mwe-image start-server without --setup-only`);
    return 0;
  }
  const name = publish.name ?? containerNameFromTag(plan.tag);
  await claimName(docker, name, START_SERVER_LABEL);
  const container = await docker.createContainer({ ...serverContainer(plan.tag, options.port, publish, options.httpsPort, startsAsRoot(options)), name, Labels: { [START_SERVER_LABEL]: '1' } });
  const stream = await container.attach({ stream: true, stdout: true, stderr: true });
  docker.modem.demuxStream(stream, process.stdout, process.stderr);
  let stops = 0;
  const stop = (): void => {
    stops += 1;
    // First signal: graceful stop (the entrypoint turns SIGTERM into Apache's graceful-stop); second: now.
    const signal = stops === 1 ? 'SIGTERM' : 'SIGKILL';
    progress(stops === 1 ? 'stopping gracefully (Ctrl-C again to stop now)' : 'stopping now');
    container.kill({ signal }).catch(() => undefined);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  try {
    await container.start();
    const https = options.httpsPort === undefined ? '' : ` and ${serverUrl(options.httpsPort, { ...publish, publishPort: undefined }).replace('http:', 'https:')}`;
    progress(`Serving ${plan.tag} as container ${name} on ${serverUrl(options.port, publish)}${https} (Ctrl-C stops it)`);
    const result = await container.wait();
    return result.StatusCode;
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
    await container.remove({ force: true, v: true }).catch(() => undefined);
  }
}
