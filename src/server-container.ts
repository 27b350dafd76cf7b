/**
 * The container that serves an app image with its port published: what
 * start-server runs in the foreground and a server root's apachectl
 * (src/server-root.ts, src/commands/apachectl.ts) starts in the background.
 */
import type Docker from 'dockerode';
import { UsageError } from './errors.js';
import { OPTION_SPECS, type BuildOptions } from './options.js';

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
  return (
    name
      .replace(/[^a-zA-Z0-9_.-]+/g, '-')
      .replace(/^[^a-zA-Z0-9]+/, '')
      .slice(0, 128) || 'mwe-server'
  );
}

/** Frees `name` for a new container: removes a stopped one start-server left, refuses anything else. */
export async function claimName(docker: Docker, name: string, label: string): Promise<void> {
  const existing = await docker
    .getContainer(name)
    .inspect()
    .catch(() => undefined);
  if (!existing) return;
  if (existing.State.Running || existing.Config.Labels?.[label] === undefined) {
    throw new UsageError(
      `--name: a container named ${name} ${existing.State.Running ? 'is running' : 'exists'}; stop it (docker rm -f ${name}) or give another --name`,
    );
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
    HostConfig: {
      PortBindings: Object.fromEntries(ports.map(([inside, outside]) => [`${inside}/tcp`, [{ HostIp: publish.publishHost, HostPort: String(outside) }]])),
    },
  };
}

export function serverUrl(port: number, publish: PublishOptions): string {
  const host = publish.publishHost.includes(':') ? `[${publish.publishHost}]` : publish.publishHost;
  return `http://${host}:${publish.publishPort ?? port}/`;
}

/** The HTTP URL, and the HTTPS one when there is an --https-port (published on the same number). */
export function serverUrls(port: number, publish: PublishOptions, httpsPort?: number): string {
  const https = httpsPort === undefined ? '' : ` and ${serverUrl(httpsPort, { ...publish, publishPort: undefined }).replace('http:', 'https:')}`;
  return `${serverUrl(port, publish)}${https}`;
}
