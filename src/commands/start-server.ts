/**
 * `mwe-image start-server APP [options]`: build when needed, then run the
 * image in the foreground with its port published, its logs on this
 * terminal, Ctrl-C (or SIGTERM) as a graceful stop, and the server's exit
 * status as this command's.
 */
import type { BuildOptions } from '../options.js';
import { buildApp } from '../pipeline.js';
import { START_SERVER_LABEL, claimName, containerNameFromTag, serverContainer, serverUrls, startsAsRoot, type PublishOptions } from '../server-container.js';

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
  const container = await docker.createContainer({
    ...serverContainer(plan.tag, options.port, publish, options.httpsPort, startsAsRoot(options)),
    name,
    Labels: { [START_SERVER_LABEL]: '1' },
  });
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
    progress(`Serving ${plan.tag} as container ${name} on ${serverUrls(options.port, publish, options.httpsPort)} (Ctrl-C stops it)`);
    const result = await container.wait();
    return result.StatusCode;
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
    await container.remove({ force: true, v: true }).catch(() => undefined);
  }
}
