/**
 * The container that serves an app image with its port published: what
 * start-server runs in the foreground and a server root's apachectl
 * (src/server-root.ts, src/commands/apachectl.ts) starts in the background.
 */
import type Docker from 'dockerode';

export interface PublishOptions {
  /** Host interface the port is published on. */
  publishHost: string;
  /** Host port; defaults to the container's. */
  publishPort?: number;
  /** KEY=VALUE pairs for the container environment (what --passenv reads). */
  env: string[];
}

/**
 * A container serving `image` with its port published as asked (start-server,
 * apachectl start); an --https-port on the same number of the same interface.
 */
export function serverContainer(image: string, port: number, publish: PublishOptions, httpsPort?: number): Docker.ContainerCreateOptions {
  const ports = [[port, publish.publishPort ?? port], ...(httpsPort === undefined ? [] : [[httpsPort, httpsPort]])];
  return {
    Image: image,
    Env: publish.env,
    ExposedPorts: Object.fromEntries(ports.map(([inside]) => [`${inside}/tcp`, {}])),
    HostConfig: { PortBindings: Object.fromEntries(ports.map(([inside, outside]) => [`${inside}/tcp`, [{ HostIp: publish.publishHost, HostPort: String(outside) }]])) },
  };
}

export function serverUrl(port: number, publish: PublishOptions): string {
  const host = publish.publishHost.includes(':') ? `[${publish.publishHost}]` : publish.publishHost;
  return `http://${host}:${publish.publishPort ?? port}/`;
}
