/**
 * `mwe-image apachectl --server-root DIR ACTION`: what a server root's
 * generated apachectl runs. One background container per server root, made
 * from the image and options cached by setup-server:
 *   start          create and start it; wait until Apache answers inside it
 *   stop           Apache's fast stop (in-flight requests are cut)
 *   graceful-stop  in-flight requests finish (bounded by --stop-timeout)
 *   restart        graceful stop, then a new container: picks up a new image
 *                  from setup-server and changes to envvars
 *   graceful       a graceful restart inside the running container: the
 *                  mod_wsgi daemon processes are replaced, no request lost
 *                  (restart's work when none runs or the image changed)
 *   configtest     Apache's syntax check of the image's configuration
 *   status         running or not (exit 3), and the health check's answer
 * The container is named by setup-server (--name, else from the tag) and
 * removed once it has stopped: no exited container is left behind.
 */
import path from 'node:path';
import type Docker from 'dockerode';
import { RuntimeFailure, UsageError } from '../errors.js';
import { IMAGE_PATHS } from '../contract.js';
import { connectEngine } from '../docker/engine.js';
import { MOUNTED_ENVVARS, containerName, readServerRoot, type ServerRecord } from '../server-root.js';
import { serverContainer, serverUrls } from '../server-container.js';

export const APACHECTL_ACTIONS = ['start', 'stop', 'graceful-stop', 'restart', 'graceful', 'configtest', 'status'] as const;
type Action = (typeof APACHECTL_ACTIONS)[number];

function containerOptions(root: string, record: ServerRecord, name?: string, cmd?: string[]): Docker.ContainerCreateOptions {
  const base = serverContainer(record.imageId, record.port, record.publish, record.httpsPort, record.asRoot);
  return {
    ...base,
    name,
    Cmd: cmd,
    Env: [...record.publish.env, `MWE_ENVVARS=${record.imageEnvvars ? `${record.imageEnvvars}:` : ''}${MOUNTED_ENVVARS}`],
    Labels: { 'io.mwe-image.server-root': root },
    HostConfig: {
      ...(cmd ? {} : base.HostConfig),
      Binds: [`${path.join(root, 'envvars')}:${MOUNTED_ENVVARS}:ro`],
    },
  };
}

async function inspect(container: Docker.Container): Promise<Docker.ContainerInspectInfo | undefined> {
  return container.inspect().catch(() => undefined);
}

async function logTail(container: Docker.Container): Promise<string> {
  const raw = (await container.logs({ stdout: true, stderr: true, tail: 20 }).catch(() => Buffer.alloc(0))) as Buffer;
  // Strip the 8-byte stream headers of the multiplexed log format.
  const lines: string[] = [];
  for (let offset = 0; offset + 8 <= raw.length; ) {
    const size = raw.readUInt32BE(offset + 4);
    lines.push(raw.subarray(offset + 8, offset + 8 + size).toString('utf8'));
    offset += 8 + size;
  }
  return lines.join('').trimEnd();
}

/** The image's health check run inside the container: exit code and its one line. */
async function healthcheck(container: Docker.Container): Promise<{ code: number; output: string }> {
  const exec = await container.exec({ Cmd: [IMAGE_PATHS.healthcheck], AttachStdout: true, AttachStderr: true });
  const stream = await exec.start({ hijack: true, stdin: false });
  const chunks: Buffer[] = [];
  await new Promise<void>((resolve) => {
    const sink = { write: (chunk: Buffer) => chunks.push(chunk) } as unknown as NodeJS.WritableStream;
    container.modem.demuxStream(stream, sink, sink);
    stream.on('end', () => resolve());
    stream.on('error', () => resolve());
  });
  return { code: (await exec.inspect()).ExitCode ?? 1, output: Buffer.concat(chunks).toString('utf8').trim() };
}

/** Polls the health check until Apache answers inside the container. */
async function waitUntilServing(container: Docker.Container, seconds = 30): Promise<void> {
  const deadline = Date.now() + seconds * 1000;
  while (Date.now() < deadline) {
    const state = await inspect(container);
    if (!state?.State.Running) {
      throw new RuntimeFailure(`apachectl start: the server exited with status ${state?.State.ExitCode ?? '?'}`, await logTail(container));
    }
    if ((await healthcheck(container)).code === 0) return;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new RuntimeFailure(`apachectl start: no answer from the server within ${seconds} s`, await logTail(container));
}

async function start(docker: Docker, root: string, record: ServerRecord): Promise<number> {
  const name = containerName(root, record);
  const existing = docker.getContainer(name);
  const state = await inspect(existing);
  if (state && state.Config.Labels?.['io.mwe-image.server-root'] !== root) {
    throw new UsageError(
      `apachectl start: a container named ${name} exists and is not this server root's; remove it (docker rm -f ${name}) or re-run setup-server with another --name`,
    );
  }
  if (state?.State.Running) {
    process.stdout.write(`httpd (container ${name}) already running\n`);
    return 0;
  }
  if (state) await existing.remove({ force: true, v: true });
  const container = await docker.createContainer(containerOptions(root, record, name));
  await container.start();
  await waitUntilServing(container);
  process.stderr.write(`Started ${name} (${record.image}) on ${serverUrls(record.port, record.publish, record.httpsPort)}; logs: docker logs ${name}\n`);
  return 0;
}

async function stop(container: Docker.Container, signal: 'SIGINT' | 'SIGTERM', seconds: number, quiet = false): Promise<number> {
  const state = await inspect(container);
  if (!state?.State.Running) {
    if (state) await container.remove({ force: true, v: true }).catch(() => undefined); // one that exited on its own
    if (!quiet) process.stdout.write('httpd (no container) not running\n');
    return 0;
  }
  await container.kill({ signal });
  const exited = container.wait();
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise((resolve) => (timer = setTimeout(() => resolve('late'), seconds * 1000)));
  const outcome = await Promise.race([exited.then(() => 'exited'), late]);
  clearTimeout(timer);
  if (outcome === 'late') {
    await container.kill({ signal: 'SIGKILL' }).catch(() => undefined);
    await exited;
  }
  await container.remove({ force: true, v: true }).catch(() => undefined);
  return 0;
}

async function configtest(docker: Docker, root: string, record: ServerRecord): Promise<number> {
  const container = await docker.createContainer(containerOptions(root, record, undefined, ['configtest']));
  try {
    await container.start();
    const { StatusCode } = (await container.wait()) as { StatusCode: number };
    process.stderr.write(`${await logTail(container)}\n`);
    return StatusCode;
  } finally {
    await container.remove({ force: true, v: true }).catch(() => undefined);
  }
}

async function status(container: Docker.Container, record: ServerRecord): Promise<number> {
  const state = await inspect(container);
  if (!state?.State.Running) {
    process.stdout.write(`not running${state ? ` (exited with status ${state.State.ExitCode})` : ''}\n`);
    return 3;
  }
  const health = await healthcheck(container);
  const stale = state.Image !== record.imageId ? ' (an older image: apachectl restart serves the new one)' : '';
  process.stdout.write(
    `running: ${state.Name.replace(/^\//, '')} ${record.image}${stale} on ${serverUrls(record.port, record.publish, record.httpsPort)}; ${health.output}\n`,
  );
  return 0;
}

export async function runApachectl(serverRoot: string, action: string): Promise<number> {
  if (!APACHECTL_ACTIONS.includes(action as Action)) {
    throw new UsageError(`apachectl: unknown action '${action}'; use one of ${APACHECTL_ACTIONS.join(', ')}`);
  }
  const root = path.resolve(serverRoot);
  const record = readServerRoot(root);
  const docker = await connectEngine();
  const container = docker.getContainer(containerName(root, record));
  const graceSeconds = record.stopTimeout + 5;
  switch (action as Action) {
    case 'start':
      return start(docker, root, record);
    case 'stop':
      return stop(container, 'SIGINT', graceSeconds);
    case 'graceful-stop':
      return stop(container, 'SIGTERM', graceSeconds);
    case 'restart':
      await stop(container, 'SIGTERM', graceSeconds, true);
      return start(docker, root, record);
    case 'graceful': {
      const state = await inspect(container);
      if (state?.State.Running && state.Image === record.imageId) {
        await container.kill({ signal: 'SIGHUP' }); // the entrypoint replaces the daemon processes, gracefully
        return 0;
      }
      if (state?.State.Running) await stop(container, 'SIGTERM', graceSeconds);
      return start(docker, root, record);
    }
    case 'configtest':
      return configtest(docker, root, record);
    case 'status':
      return status(container, record);
  }
}
