/**
 * Integration helpers: run the real CLI, start containers with ports published
 * on 127.0.0.1 only, talk HTTP to them, exec inside them, clean up.
 */
import { spawn } from 'node:child_process';
import http from 'node:http';
import type { Readable } from 'node:stream';
import Docker from 'dockerode';
import { buildAppImage } from '../../src/app-image.js';
import { parseBuildArgv } from '../../src/cli.js';
import { findImage } from '../../src/docker/engine.js';
import { resolveBuildOptions } from '../../src/options.js';
import { prepareToolchain } from '../../src/pipeline.js';
import { planBuild } from '../../src/plan.js';
import tar from 'tar-stream';
import { CLI } from './paths.js';
import { freePort } from './ports.js';

export const docker = new Docker();

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function runCli(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/**
 * The app image `mwe-image build ARGS` makes, built with BuildKit's layer cache
 * ignored (which the CLI never does): its ID and layers. The toolchain comes
 * from the cache as the CLI would take it.
 */
export async function buildAppWithoutCache(args: string[]): Promise<{ id: string; layers: string[] }> {
  const { app, raw } = parseBuildArgv(['build', ...args]);
  const options = resolveBuildOptions(raw);
  const { toolchain } = await prepareToolchain(options, () => undefined);
  const plan = planBuild(app, options);
  const { imageId } = await buildAppImage(docker, plan, toolchain, 'mwe-image build (no layer cache)', { noCache: true });
  const image = await docker.getImage(imageId ?? plan.options.tag).inspect();
  return { id: image.Id, layers: image.RootFS.Layers ?? [] };
}

/** Builds with the CLI and fails loudly (with the output tail) when the build fails. */
export async function buildWithCli(args: string[]): Promise<CliResult> {
  const result = await runCli(['build', ...args]);
  if (result.code !== 0) {
    throw new Error(`mwe-image build ${args.join(' ')} exited ${result.code}:\n${result.stderr.slice(-3000)}`);
  }
  return result;
}

export interface Running {
  container: Docker.Container;
  port: number;
  url: (path?: string) => string;
}

export interface StartOptions {
  containerPort?: number;
  hostConfig?: Docker.HostConfig;
  user?: string;
  env?: string[];
  /** Command instead of the image's default (the entrypoint runs it). */
  cmd?: string[];
}

export async function startContainer(image: string, options: StartOptions = {}): Promise<Running> {
  const containerPort = `${options.containerPort ?? 8000}/tcp`;
  const container = await docker.createContainer({
    Image: image,
    User: options.user,
    Env: options.env,
    Cmd: options.cmd,
    ExposedPorts: { [containerPort]: {} },
    HostConfig: { PortBindings: { [containerPort]: [{ HostIp: '127.0.0.1', HostPort: '' }] }, ...options.hostConfig },
  });
  await container.start();
  const info = await container.inspect();
  const port = Number(info.NetworkSettings.Ports[containerPort]![0].HostPort);
  return { container, port, url: (path = '/') => `http://127.0.0.1:${port}${path}` };
}

/**
 * Starts a container on the host network, listening on a free loopback port
 * (PORT), so that requests from 127.0.0.1 really come from loopback. If the
 * server exits before it answers (the port taken in between), it is retried
 * once on another port; otherwise the error carries the container's log tail.
 */
export async function startOnHostNetwork(image: string, env: string[] = []): Promise<Running> {
  for (let attempt = 1; ; attempt += 1) {
    const port = await freePort();
    const container = await docker.createContainer({ Image: image, Env: [`PORT=${port}`, ...env], HostConfig: { NetworkMode: 'host' } });
    const running = { container, port, url: (path = '/') => `http://127.0.0.1:${port}${path}` };
    await container.start();
    try {
      await waitForHttp(running.url('/'), 30, async () => !(await container.inspect()).State.Running);
      return running;
    } catch (error) {
      const output = await containerOutput(container).catch(() => ({ stdout: '', stderr: '' }));
      const log = output.stdout + output.stderr;
      await removeContainer(running);
      if (attempt < 2 && /Address already in use/.test(log)) continue;
      throw new Error(`${(error as Error).message}\n${log.slice(-2000)}`);
    }
  }
}

export async function removeContainer(running: Running | undefined): Promise<void> {
  if (running) await running.container.remove({ force: true }).catch(() => undefined);
}

export interface HttpResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
  /** The body as received (still compressed, if it was). */
  raw?: Buffer;
}

/** One GET, on a connection of its own unless `agent` (a keep-alive agent) is given. */
export function httpGet(
  url: string,
  timeoutMs = 15000,
  headers: Record<string, string> = {},
  mode: 'text' | 'buffer' = 'text',
  agent: http.Agent | false = false,
): Promise<HttpResponse> {
  return new Promise((resolve, reject) => {
    const request = http.get(url, { timeout: timeoutMs, agent, headers }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => {
        const raw = Buffer.concat(chunks);
        resolve({ status: response.statusCode ?? 0, headers: response.headers, body: raw.toString('utf8'), raw: mode === 'buffer' ? raw : undefined });
      });
      response.on('error', reject);
    });
    request.on('timeout', () => request.destroy(new Error(`timeout after ${timeoutMs} ms: ${url}`)));
    request.on('error', reject);
  });
}

/** Resolves to the response, or to the error when the connection fails or is cut. */
export const settle = (request: Promise<{ status: number; body: string }>) =>
  request.then(
    (response) => ({ ...response, error: '' }),
    (error: Error) => ({ status: 0, body: '', error: error.message }),
  );

/** Polls until the server answers (any status), at most `seconds`, or until `gone()` says it never will. */
export async function waitForHttp(url: string, seconds = 30, gone: () => Promise<boolean> = async () => false): Promise<HttpResponse> {
  const deadline = Date.now() + seconds * 1000;
  let last: unknown;
  while (Date.now() < deadline) {
    if (await gone()) throw new Error(`the server for ${url} exited before it answered`);
    try {
      return await httpGet(url, 5000);
    } catch (error) {
      last = error;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
  throw new Error(`no HTTP answer from ${url} within ${seconds}s: ${(last as Error)?.message}`);
}

/** Polls until the server answers 200 (e.g. after a restart, when the daemon may answer 503 briefly), at most `seconds`. */
export async function waitFor200(url: string, seconds = 30): Promise<HttpResponse> {
  const deadline = Date.now() + seconds * 1000;
  let last: HttpResponse | undefined;
  while (Date.now() < deadline) {
    last = await httpGet(url, 5000).catch(() => undefined);
    if (last?.status === 200) return last;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`no 200 from ${url} within ${seconds}s (last: ${last ? last.status : 'no answer'})`);
}

/** Runs a command inside a running container and returns its output and exit code. */
export async function execIn(container: Docker.Container, cmd: string[]): Promise<{ code: number; output: string }> {
  const exec = await container.exec({ Cmd: cmd, AttachStdout: true, AttachStderr: true });
  const stream = await exec.start({ hijack: true, stdin: false });
  const chunks: Buffer[] = [];
  await new Promise<void>((resolve, reject) => {
    const sink = { write: (chunk: Buffer) => chunks.push(chunk) } as unknown as NodeJS.WritableStream;
    docker.modem.demuxStream(stream, sink, sink);
    stream.on('end', () => resolve());
    stream.on('error', reject);
  });
  const info = await exec.inspect();
  return { code: info.ExitCode ?? -1, output: Buffer.concat(chunks).toString('utf8') };
}

export async function imageLayers(reference: string): Promise<string[]> {
  const info = await docker.getImage(reference).inspect();
  return info.RootFS.Layers ?? [];
}

/** A container's output so far, split into its streams (the Engine multiplexes them in 8-byte-header frames). */
export async function containerOutput(container: Docker.Container): Promise<{ stdout: string; stderr: string }> {
  const raw = await container.logs({ stdout: true, stderr: true });
  const streams: Buffer[][] = [[], [], []];
  for (let offset = 0; offset + 8 <= raw.length; ) {
    const size = raw.readUInt32BE(offset + 4);
    streams[raw[offset]]?.push(raw.subarray(offset + 8, offset + 8 + size));
    offset += 8 + size;
  }
  return { stdout: Buffer.concat(streams[1]).toString('utf8'), stderr: Buffer.concat(streams[2]).toString('utf8') };
}

/** A base image nothing can pull here: made with `mwe-image base bootstrap` when absent. */
export async function ensureBaseImage(reference: string, suite: string): Promise<void> {
  if (await findImage(docker, reference)) return;
  const result = await runCli(['base', 'bootstrap', '--suite', suite]);
  if (result.code !== 0) throw new Error(`mwe-image base bootstrap --suite ${suite} failed:\n${result.stderr.slice(-2000)}`);
}

/** Polls `check` every 100 ms until it holds; throws naming `what` after `seconds`. */
export async function until(what: string, seconds: number, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + seconds * 1000;
  while (Date.now() < deadline) {
    if (await check().catch(() => false)) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${what}: not within ${seconds} s`);
}

/** Waits until the fixture app's /slow request is running in the container (its marker file exists). */
export async function slowRequestInFlight(container: Docker.Container): Promise<void> {
  await until('the /slow request in flight', 15, async () => (await execIn(container, ['test', '-e', '/tmp/mwe-slow-in-flight'])).code === 0);
}

/**
 * Starts a container of `image`, adds it to `running` (the suite removes
 * those after its tests) and waits until `probe` answers: any status, or
 * with `ok`, a 200.
 */
export async function serveImage(running: Running[], image: string, options: StartOptions & { probe?: string; ok?: boolean } = {}): Promise<Running> {
  const server = await startContainer(image, options);
  running.push(server);
  const url = server.url(options.probe ?? '/');
  await (options.ok ? waitFor200(url) : waitForHttp(url));
  return server;
}

async function readAll(stream: AsyncIterable<unknown>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** Every file of `docker save` (and every file inside each layer tar) that holds `needle`, with the number of layer tars seen. */
export async function scanImage(image: string, needle: string): Promise<{ hits: string[]; layers: number }> {
  const hits: string[] = [];
  let layers = 0;
  const outer = tar.extract();
  ((await docker.getImage(image).get()) as unknown as Readable).pipe(outer);
  for await (const entry of outer) {
    const content = await readAll(entry);
    // A layer: layer.tar in docker save's format (an empty one is all zeros), or any other tar. A layer the
    // image lists twice (an empty one, say) is saved once, its second place a symbolic link to the first.
    const isLayer = entry.header.name.endsWith('/layer.tar') || (content.length > 512 && content.subarray(257, 262).toString() === 'ustar');
    if (isLayer && entry.header.type === 'file') {
      layers += 1;
      const inner = tar.extract();
      const files = (async () => {
        for await (const file of inner) {
          const data = await readAll(file);
          if (data.includes(needle) || file.header.name.includes(needle)) hits.push(`${entry.header.name}:${file.header.name}`);
        }
      })();
      inner.end(content);
      await files;
    } else if (content.includes(needle)) {
      hits.push(entry.header.name);
    }
  }
  return { hits, layers };
}
