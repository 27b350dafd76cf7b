/**
 * `mwe-image setup-server APP --server-root DIR [options]`: builds the image
 * when needed and writes the server root (httpd.conf, envvars, server.json,
 * apachectl) that starts, stops and restarts it as a background container,
 * for init scripts and process supervisors. Re-running it with other options
 * rebuilds and rewrites everything but envvars.
 */
import path from 'node:path';
import type { BuildOptions } from '../options.js';
import { ENVVARS_FILE } from '../plan.js';
import { containerName, writeServerRoot } from '../server-root.js';
import { buildApp, recordedCommandLine } from '../pipeline.js';
import { containerNameFromTag, startsAsRoot, type PublishOptions } from '../server-container.js';

export async function runSetupServer(
  app: string,
  options: BuildOptions,
  serverRoot: string,
  publish: PublishOptions,
  argv: string[],
  progress: (line: string) => void,
): Promise<number> {
  const root = path.resolve(serverRoot);
  const { docker, plan, result, httpdConf } = await buildApp(app, options, argv, progress);
  const record = {
    commandLine: recordedCommandLine(argv),
    image: plan.tag,
    imageId: result.imageId,
    port: options.port,
    httpsPort: options.httpsPort,
    stopTimeout: options.stopTimeout,
    imageEnvvars: options.envvarsScript ? ENVVARS_FILE : '',
    publish,
    containerName: publish.name ?? `${containerNameFromTag(plan.tag)}-server`,
    asRoot: startsAsRoot(options),
  };
  const { keptEnvvars } = writeServerRoot(root, record, httpdConf);
  if (keptEnvvars) progress(`Kept ${root}/envvars (yours to edit; setup-server never overwrites it)`);
  const running = await docker
    .getContainer(containerName(root, record))
    .inspect()
    .catch(() => undefined);
  if (running?.State.Running && running.Image !== result.imageId) {
    progress(`The server is running the previous image; ${root}/apachectl restart serves the new one`);
  }
  process.stdout.write(`${root}\n`);
  progress(`Server root written: ${root}/apachectl start|stop|graceful-stop|restart|graceful|configtest|status`);
  return 0;
}
