/**
 * Servers the benchmarks compare: the real mod_wsgi-express on this host
 * (mod_wsgi from PyPI, installed by scripts/reference-express.sh, the version
 * the default toolchain compiled), and what every one of them is timed on:
 * the first 200, and a stop with a slow request in flight.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { httpGet } from '../test/helpers/docker.js';
import { ROOT } from '../test/helpers/paths.js';
import { sleep } from './report.js';

/**
 * Polls (every 5 ms: the floor it is compared with has no polling) until the
 * URL answers 200; resolves to the milliseconds since `since`.
 */
export async function untilOk(url: string, since: number, seconds = 60): Promise<number> {
  const deadline = Date.now() + seconds * 1000;
  while (Date.now() < deadline) {
    const status = await httpGet(url, 2000).then(
      (response) => response.status,
      () => 0,
    );
    if (status === 200) return performance.now() - since;
    await sleep(5);
  }
  throw new Error(`no 200 from ${url} within ${seconds}s`);
}

export interface StopSample {
  stopMs: number;
  slowRequestCompleted: boolean;
}

/** Starts GET /slow?seconds=2, lets it run 300 ms, then times `stop` (which resolves when the server is gone). */
export async function stopWithSlowRequest(baseUrl: string, stop: () => Promise<void>): Promise<StopSample> {
  const slow = httpGet(`${baseUrl}/slow?seconds=2`, 30000).then(
    (response) => response.status === 200 && response.body === 'slow done',
    () => false,
  );
  await sleep(300);
  const stopping = performance.now();
  await stop();
  const stopMs = performance.now() - stopping;
  return { stopMs, slowRequestCompleted: await slow };
}

/**
 * Path of mod_wsgi-express VERSION installed on this host from PyPI (a venv
 * on Debian's python3, with the host's pip configuration), by
 * scripts/reference-express.sh; reused when already installed.
 */
export function referenceExpress(version: string, directory = '/tmp/mwe-reference'): string {
  const built = spawnSync('bash', [path.join(ROOT, 'scripts', 'reference-express.sh'), version, directory], { encoding: 'utf8' });
  if (built.status !== 0) throw new Error(`scripts/reference-express.sh ${version} failed:\n${built.stderr.slice(-2000)}`);
  return built.stdout.trim().split('\n').pop()!;
}

export interface HostServer {
  url: string;
  child: ChildProcess;
  /** Sends the signal to httpd and resolves when it has exited. */
  stop: (signal?: NodeJS.Signals) => Promise<void>;
  /** SIGKILL to the whole process group (cleanup). */
  kill: () => void;
}

/**
 * `mod_wsgi-express start-server SCRIPT` on 127.0.0.1 (as www-data when run as
 * root); resolves once spawned. `enter`: shell words run first in the same
 * process (e.g. joining a cgroup), which then becomes mod_wsgi-express.
 */
export function startExpress(express: string, script: string, options: string[], serverRoot: string, enter?: string): HostServer {
  const port = 21000 + Math.floor(Math.random() * 9000);
  const user = process.getuid?.() === 0 ? ['--user', 'www-data', '--group', 'www-data'] : [];
  const args = ['start-server', script, '--host', '127.0.0.1', '--port', String(port), ...user, '--server-root', serverRoot, ...options];
  const child = enter
    ? spawn('sh', ['-c', `${enter} && exec "$0" "$@"`, express, ...args], { detached: true, stdio: 'ignore' })
    : spawn(express, args, { detached: true, stdio: 'ignore' });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    url: `http://127.0.0.1:${port}`,
    child,
    stop: async (signal = 'SIGTERM') => {
      try {
        process.kill(child.pid!, signal);
      } catch {
        return; // already gone
      }
      await exited;
    },
    kill: () => {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // already gone
      }
    },
  };
}
