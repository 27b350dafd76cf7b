/**
 * `mwe-image start-server APP [options]`: build when needed, then run the
 * image in the foreground with its port published, its logs on this
 * terminal, Ctrl-C (or SIGTERM) as a graceful stop, and the server's exit
 * status as this command's.
 */
import type Docker from 'dockerode';
import type { BuildOptions } from '../options.js';
import { buildApp } from './build.js';

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

export async function runStartServer(
  app: string,
  options: BuildOptions,
  publish: PublishOptions,
  argv: string[],
  progress: (line: string) => void,
): Promise<number> {
  const { docker, plan } = await buildApp(app, options, argv, progress);
  const container = await docker.createContainer(serverContainer(plan.tag, options.port, publish, options.httpsPort));
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
    progress(`Serving ${plan.tag} on ${serverUrl(options.port, publish)}${https} (Ctrl-C stops it)`);
    const result = await container.wait();
    return result.StatusCode;
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
    await container.remove({ force: true }).catch(() => undefined);
  }
}
