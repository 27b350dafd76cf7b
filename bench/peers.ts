/**
 * The servers users pick instead of mod_wsgi, as the benchmark runs them:
 * gunicorn (sync and gthread workers), uWSGI and granian, all from PyPI, in
 * one image on the same base as ours (bench/peers/Dockerfile), started with
 * the same worker and thread counts and the same CPU quota as our container.
 *
 * Containers reach PyPI only with the host's CA bundle, so the host fills a
 * wheelhouse (pip download with its own pip configuration, for the base's
 * Python) and uWSGI, an sdist with C code, is compiled into a wheel in the
 * toolchain image of the same base, which has the compiler and the base's
 * Python headers. Our image installs Flask and Django from the same wheels.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { buildImage } from '../src/docker/build-stream.js';
import { ContextBuilder } from '../src/docker/context.js';
import type { Toolchain } from '../src/toolchain.js';
import { docker } from '../test/helpers/docker.js';
import { ROOT } from '../test/helpers/paths.js';

export const PEERS_IMAGE = 'mwe-bench/peers';
/** What the wheelhouse holds: the peers and the frameworks of bench/app. */
const PACKAGES = ['gunicorn', 'granian', 'flask', 'django'];
const UWSGI = 'uwsgi';

export interface Peer {
  /** Its name in --servers. */
  id: string;
  name: string;
  /** The server's command line, listening on PORT with the given workers and threads. */
  command: (port: number, workers: number, threads: number) => string[];
  /** How it serves /static/ (for the table's notes). */
  staticFiles: string;
}

export const PEERS: Peer[] = [
  {
    id: 'gunicorn-sync',
    name: 'gunicorn sync',
    command: (port, workers) => ['gunicorn', '--workers', String(workers), '--worker-class', 'sync', '--bind', `0.0.0.0:${port}`, 'wsgi:application'],
    staticFiles: 'the app sends it (wsgi.file_wrapper, sendfile)',
  },
  {
    id: 'gunicorn-gthread',
    name: 'gunicorn gthread',
    command: (port, workers, threads) => [
      'gunicorn',
      '--workers',
      String(workers),
      '--worker-class',
      'gthread',
      '--threads',
      String(threads),
      '--bind',
      `0.0.0.0:${port}`,
      'wsgi:application',
    ],
    staticFiles: 'the app sends it (wsgi.file_wrapper, sendfile)',
  },
  {
    // --http11-socket: uWSGI's own HTTP parser in the workers (no router process) with keep-alive, as wrk and the others use it.
    id: 'uwsgi',
    name: 'uWSGI',
    command: (port, workers, threads) => [
      'uwsgi',
      '--http11-socket',
      `0.0.0.0:${port}`,
      '--master',
      '--processes',
      String(workers),
      '--threads',
      String(threads),
      '--wsgi-file',
      '/app/wsgi.py',
      '--callable',
      'application',
      '--chdir',
      '/app',
      '--static-map',
      '/static=/app/static',
      '--disable-logging',
      '--die-on-term',
      '--need-app',
    ],
    staticFiles: '--static-map',
  },
  {
    id: 'granian',
    name: 'granian',
    command: (port, workers, threads) => [
      'granian',
      '--interface',
      'wsgi',
      '--host',
      '0.0.0.0',
      '--port',
      String(port),
      '--workers',
      String(workers),
      '--blocking-threads',
      String(threads),
      '--static-path-route',
      '/static',
      '--static-path-mount',
      '/app/static',
      'wsgi:application',
    ],
    staticFiles: '--static-path-mount',
  },
];

function run(command: string, args: string[], what: string): void {
  const result = spawnSync(command, args, { encoding: 'utf8' });
  if (result.error || result.status !== 0) throw new Error(`${what} failed: ${result.error?.message ?? result.stderr.slice(-2000)}`);
}

/** The base's Python as pip's --python-version (e.g. "3.13"), from the toolchain's facts. */
function pythonVersion(toolchain: Toolchain): string {
  const match = /^(\d+)\.(\d+)/.exec(toolchain.facts.pythonVersion);
  if (!match) throw new Error(`toolchain reports no Python version (${toolchain.facts.pythonVersion})`);
  return `${match[1]}.${match[2]}`;
}

/**
 * Fills DIRECTORY with wheels for the base's Python (reused when it already
 * holds them): binary wheels from the host's index, uWSGI compiled in the toolchain.
 */
export async function fillWheelhouse(directory: string, toolchain: Toolchain): Promise<void> {
  mkdirSync(directory, { recursive: true });
  const has = (prefix: string) => readdirSync(directory).some((name) => name.toLowerCase().startsWith(prefix) && name.endsWith('.whl'));
  const version = pythonVersion(toolchain);
  if (!PACKAGES.every(has)) {
    const abi = `cp${version.replace('.', '')}`;
    run(
      'python3',
      [
        '-m',
        'pip',
        'download',
        '--quiet',
        '--dest',
        directory,
        '--only-binary=:all:',
        '--python-version',
        version,
        '--implementation',
        'cp',
        '--abi',
        abi,
        '--abi',
        'abi3',
        '--abi',
        'none',
        '--platform',
        'manylinux_2_28_x86_64',
        '--platform',
        'manylinux_2_17_x86_64',
        '--platform',
        'manylinux2014_x86_64',
        ...PACKAGES,
      ],
      'pip download of the benchmark wheels',
    );
  }
  if (has(UWSGI)) return;
  if (!readdirSync(directory).some((name) => name.startsWith('uwsgi-') && name.endsWith('.tar.gz'))) {
    run('python3', ['-m', 'pip', 'download', '--quiet', '--no-deps', '--no-binary=:all:', '--dest', directory, UWSGI], 'pip download of uWSGI');
  }
  // Compiled against the base's Python and libraries, as the peers' image runs it.
  const script =
    'set -e; mkdir -p /tmp/build && cd /tmp/build && tar xzf /wheels/uwsgi-*.tar.gz && cd uwsgi-* ' +
    '&& python3 -m pip wheel --quiet --no-deps --no-build-isolation --no-index . -w /wheels';
  const output: Buffer[] = [];
  const sink = { write: (chunk: Buffer) => output.push(chunk), end: () => undefined, on: () => sink, once: () => sink, emit: () => true };
  const [result] = await docker.run(toolchain.tag, ['sh', '-c', script], sink as unknown as NodeJS.WritableStream, {
    Entrypoint: [],
    User: '0:0',
    HostConfig: { AutoRemove: true, Binds: [`${path.resolve(directory)}:/wheels`], NetworkMode: 'none' },
  });
  if (result.StatusCode !== 0 || !has(UWSGI)) throw new Error(`building the uWSGI wheel failed:\n${Buffer.concat(output).toString().slice(-2000)}`);
}

/** The peers' image: the wheelhouse and the app (with its static file) on BASE. */
export async function buildPeersImage(base: string, wheelhouse: string, app: string): Promise<void> {
  if (!existsSync(wheelhouse)) throw new Error(`no wheelhouse at ${wheelhouse}`);
  const context = new ContextBuilder()
    .addHostPath('Dockerfile', path.join(ROOT, 'bench', 'peers', 'Dockerfile'))
    .addHostPath('wheels', wheelhouse)
    .addHostPath('app', app);
  await buildImage(docker, { context: context.toStream(), tag: PEERS_IMAGE, buildArgs: { BASE_IMAGE: base } });
}
