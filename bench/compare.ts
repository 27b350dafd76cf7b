/**
 * Side by side (issues #7 and #18): every figure of an mwe-image container
 * measured in the same run as its references, repetitions interleaved,
 * reported as median (min–max) and as the ratio ours / reference of each
 * repetition's pair.
 *
 * - Throughput (wrk from Debian, 127.0.0.1 only, -c 8, bounded in time):
 *   hello world, a 100 KB static file, a Flask JSON endpoint and a Django
 *   template page (bench/app), for ours and the variants a user can pick for
 *   speed (OUR_VARIANTS: --python-pgo, --embedded-mode, both, --cpu-affinity, all three); the real
 *   mod_wsgi-express on the host (mod_wsgi from PyPI in the version our toolchain compiled, same
 *   --processes/--threads and --url-alias, Flask and Django installed for the
 *   host's Python); gunicorn sync and gthread, uWSGI and granian from PyPI in
 *   one image on the same base (bench/peers.ts). Same workers and threads
 *   everywhere, the same CPU quota (--cpus) for every container and for
 *   mod_wsgi-express's cgroup; on the host network and through a published
 *   port (docker-proxy). Requests/s, p50 and p99 latency, and CPU seconds
 *   per 10,000 requests from each server's cgroup (bench/cgroup.ts).
 *   Also our WSGI hello world against a 12-byte static file from the same
 *   Apache (the ceiling the WSGI path is measured against).
 * - docker run -> first 200 vs `docker run --rm BASE true` on the same network
 *   (the container runtime's floor) and mod_wsgi-express start-server -> first 200.
 * - Stop with a 2 s request in flight: docker stop vs SIGTERM (and SIGWINCH,
 *   apachectl graceful-stop) to the host's httpd vs docker stop of gunicorn.
 * - Rolling replacement of two replicas behind HAProxy under wrk load:
 *   failed requests with --stop-delay 2 vs without a delay.
 * - Builds: cold (no layer cache: toolchain and app) and warm (one-line app
 *   change) vs bench/handwritten/Dockerfile; image size vs that image and vs
 *   the floor (base + runtime packages).
 *
 *   npm run bench [-- --repeat 3] [-- --duration 3] [-- --cpus 1] [-- --build-repeat 1]
 *     [-- --only throughput,start,stop,rolling,builds] [-- --networks host,published]
 *     [-- --servers ours,ours-pgo,ours-embedded,ours-pgo-embedded,ours-affinity,ours-pgo-embedded-affinity,express,gunicorn-sync,gunicorn-gthread,uwsgi,granian]
 *     [-- --out compare]
 *
 * Prints markdown tables, writes bench/results/compare.json (the README's
 * tables come from it: npm run bench:readme). Numbers, not a test.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type Docker from 'dockerode';
import { parseBuildArgv } from '../src/cli.js';
import { prepareToolchain } from '../src/pipeline.js';
import { resolveBuildOptions } from '../src/options.js';
import { buildWithCli, docker, httpGet, removeContainer, startContainer, type Running } from '../test/helpers/docker.js';
import { fixture, ROOT } from '../test/helpers/paths.js';
import { freePort } from '../test/helpers/ports.js';
import { rollingReplacement, type RollingResult } from '../test/helpers/rolling.js';
import { HANDWRITTEN, STATIC_FILE_BYTES, buildComparisonApp, buildRows, measureBuilds, mb, writeStaticFile } from './build.js';
import { type CpuClock, containerCgroupParent, containerCpuClock, hostCgroup } from './cgroup.js';
import { PEERS, PEERS_IMAGE, buildPeersImage, fillWheelhouse } from './peers.js';
import {
  type ComparisonRow,
  comparisonCells,
  formatStats,
  listArgument,
  numberArgument,
  pairedRatios,
  report,
  runWhenMain,
  sampleLoad,
  stats,
  targetsTable,
  throughputTable,
  type ThroughputRow,
} from './report.js';
import { referenceExpress, startExpress, stopWithSlowRequest, untilOk, type HostServer, type StopSample } from './servers.js';
import { wrk, type WrkResult } from './wrk.js';

const repeat = numberArgument('repeat', 3);
const buildRepeat = numberArgument('build-repeat', 1);
const duration = numberArgument('duration', 3);
const cpus = numberArgument('cpus', 1);
const sections = listArgument('only', ['throughput', 'start', 'stop', 'rolling', 'builds']);
const networks = listArgument('networks', ['host', 'published']);
/** Ours as the benchmark builds it: the default image first, then the options a user can pick for speed (same app, processes and threads). */
interface OurVariant {
  id: string;
  name: string;
  image: string;
  options: string[];
}
const PGO_OPTIONS = ['--python', '3.13', '--python-from', 'source', '--python-pgo'];
const OUR_VARIANTS: OurVariant[] = [
  { id: 'ours', name: 'ours', image: 'mwe-bench/compare', options: [] },
  { id: 'ours-pgo', name: 'ours, --python-pgo', image: 'mwe-bench/compare-pgo', options: PGO_OPTIONS },
  { id: 'ours-embedded', name: 'ours, --embedded-mode', image: 'mwe-bench/compare-embedded', options: ['--embedded-mode'] },
  {
    id: 'ours-pgo-embedded',
    name: 'ours, --python-pgo --embedded-mode',
    image: 'mwe-bench/compare-pgo-embedded',
    options: [...PGO_OPTIONS, '--embedded-mode'],
  },
  { id: 'ours-affinity', name: 'ours, --cpu-affinity', image: 'mwe-bench/compare-affinity', options: ['--cpu-affinity'] },
  {
    id: 'ours-pgo-embedded-affinity',
    name: 'ours, --python-pgo --embedded-mode --cpu-affinity',
    image: 'mwe-bench/compare-pgo-embedded-affinity',
    options: [...PGO_OPTIONS, '--embedded-mode', '--cpu-affinity'],
  },
];
const OURS = OUR_VARIANTS[0].image;
const servers = listArgument('servers', [...OUR_VARIANTS.map((variant) => variant.id), 'express', ...PEERS.map((peer) => peer.id)]);

// A partial run (--only, --networks, --servers) does not replace the results the README is made from, unless --out compare says so.
const partial = process.argv.some((argument) => ['--only', '--networks', '--servers'].includes(argument));
const resultsName = listArgument('out', [partial ? 'compare-partial' : 'compare'])[0];
const PROCESSES = 2;
const THREADS = 5;
const CONNECTIONS = 8;
const BASE = 'debian:trixie-slim';
const STATIC_FILE = '/static/100k.txt';
const HELLO_FILE = '/static/hello.txt';
const HELLO = 'Hello World!';
const WHEELHOUSE = path.join(os.tmpdir(), 'mwe-bench-wheelhouse');
const HOST_NETWORK = 'host network';
const PUBLISHED = 'published port';

const rows: ComparisonRow[] = [];

// ---------------------------------------------------------------- the app

interface App {
  app: string;
  script: string;
  staticDir: string;
  requirements: string;
}

function prepareApp(work: string): App {
  const app = path.join(work, 'app');
  const staticDir = path.join(app, 'static');
  mkdirSync(staticDir, { recursive: true });
  cpSync(path.join(ROOT, 'bench', 'app'), app, { recursive: true });
  writeStaticFile(staticDir);
  writeFileSync(path.join(staticDir, 'hello.txt'), HELLO);
  chmodSync(work, 0o755); // the host's Apache children (www-data) read the app and the server root
  return { app, script: path.join(app, 'wsgi.py'), staticDir, requirements: path.join(app, 'requirements-frameworks.txt') };
}

const oursArgs = (app: App, tag: string) => [
  app.script,
  '--tag',
  tag,
  '--base-image',
  BASE,
  '--processes',
  String(PROCESSES),
  '--threads',
  String(THREADS),
  '--url-alias',
  '/static/',
  `${app.staticDir}/`,
  '--requirements',
  app.requirements,
  '--wheel-dir',
  WHEELHOUSE,
];
/** pythonPath: Flask and Django for the host's Python; the app's directory too, as mod_wsgi-express's home is the current directory. */
const expressOptions = (staticDir: string, pythonPath?: string) => [
  '--processes',
  String(PROCESSES),
  '--threads',
  String(THREADS),
  '--url-alias',
  '/static/',
  `${staticDir}/`,
  ...(pythonPath ? ['--python-path', pythonPath, '--python-path', path.dirname(staticDir)] : []),
];

/** Flask and Django for the host's mod_wsgi-express: installed for its venv's Python into a directory given as --python-path. */
function hostFrameworks(express: string, work: string, requirements: string): string {
  const target = path.join(work, 'host-packages');
  const python = path.join(path.dirname(express), 'python');
  const result = spawnSync(python, ['-m', 'pip', 'install', '--quiet', '--target', target, '-r', requirements], { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`pip install of Flask and Django for the host's Python failed:\n${result.stderr.slice(-2000)}`);
  return target;
}

// ---------------------------------------------------------------- servers

/** The real mod_wsgi-express on the host: its path and mod_wsgi version. */
interface Reference {
  path: string;
  version: string;
}

interface Target {
  /** ours, express, or a peer's id. */
  server: string;
  name: string;
  network: string;
  url: string;
  clock: CpuClock;
  close: () => Promise<void>;
}

const containerLimits = (): Docker.HostConfig => ({ NanoCpus: Math.round(cpus * 1e9) });

/** A container on the host network, PORT in its environment and on its command line. */
async function startHostNetwork(image: string, command?: (port: number) => string[]): Promise<Running> {
  const port = await freePort();
  const container = await docker.createContainer({
    Image: image,
    Env: [`PORT=${port}`],
    Cmd: command?.(port),
    HostConfig: { NetworkMode: 'host', ...containerLimits() },
  });
  await container.start();
  return { container, port, url: (urlPath = '/') => `http://127.0.0.1:${port}${urlPath}` };
}

async function containerTarget(server: string, name: string, network: string, running: Running): Promise<Target> {
  await untilOk(running.url('/'), performance.now()).catch(async (error) => {
    await removeContainer(running);
    throw error;
  });
  return { server, name, network, url: running.url(''), clock: await containerCpuClock(running.container), close: () => removeContainer(running) };
}

async function expressTarget(express: Reference, app: App, pythonPath: string, work: string, parent: string): Promise<Target> {
  const cgroup = hostCgroup(`mwe-bench-express-${process.pid}`, cpus, parent);
  const server = startExpress(express.path, app.script, expressOptions(app.staticDir, pythonPath), path.join(work, 'root-wrk'), cgroup?.enter);
  const close = async () => {
    await server.stop();
    server.kill();
    cgroup?.remove();
  };
  await untilOk(`${server.url}/`, performance.now()).catch(async (error) => {
    await close();
    throw error;
  });
  return {
    server: 'express',
    name: `mod_wsgi-express ${express.version} on the host`,
    network: HOST_NETWORK,
    url: server.url,
    clock: cgroup?.clock ?? (() => undefined),
    close,
  };
}

async function startTargets(express: Reference | undefined, app: App, pythonPath: string | undefined, work: string): Promise<Target[]> {
  const targets: Target[] = [];
  const wanted = (server: string, network: string) => servers.includes(server) && networks.includes(network);
  for (const variant of OUR_VARIANTS) {
    if (wanted(variant.id, 'host')) targets.push(await containerTarget(variant.id, variant.name, HOST_NETWORK, await startHostNetwork(variant.image)));
    if (wanted(variant.id, 'published')) {
      targets.push(await containerTarget(variant.id, variant.name, PUBLISHED, await startContainer(variant.image, { hostConfig: containerLimits() })));
    }
  }
  if (express && pythonPath && wanted('express', 'host')) {
    // Beside the containers in the CPU scheduler's tree: a sibling of Docker's whole group would get as much CPU as all containers together.
    const probe = await startContainer(OURS, { hostConfig: containerLimits() });
    const parent = await containerCgroupParent(probe.container).finally(() => removeContainer(probe));
    targets.push(await expressTarget(express, app, pythonPath, work, parent));
  }
  for (const peer of PEERS) {
    if (wanted(peer.id, 'host')) {
      targets.push(
        await containerTarget(peer.id, peer.name, HOST_NETWORK, await startHostNetwork(PEERS_IMAGE, (port) => peer.command(port, PROCESSES, THREADS))),
      );
    }
    if (wanted(peer.id, 'published')) {
      targets.push(
        await containerTarget(
          peer.id,
          peer.name,
          PUBLISHED,
          await startContainer(PEERS_IMAGE, { cmd: peer.command(8000, PROCESSES, THREADS), hostConfig: containerLimits() }),
        ),
      );
    }
  }
  return targets;
}

// ---------------------------------------------------------------- throughput

interface Endpoint {
  label: string;
  path: string;
  check: (body: string) => boolean;
  /** Measured only for these servers (default: all). */
  only?: string[];
}

const ENDPOINTS: Endpoint[] = [
  { label: 'hello world', path: '/', check: (body) => body === HELLO },
  { label: '100 KB static file', path: STATIC_FILE, check: (body) => body.length === STATIC_FILE_BYTES },
  { label: 'Flask JSON', path: '/flask/json', check: (body) => body.includes('"message":"Hello World!"') },
  { label: 'Django template page', path: '/django/page', check: (body) => body.includes('BENCHMARK PAGE') },
  // The ceiling of the WSGI hello world: the same bytes as a static file from the same Apache.
  {
    label: 'hello world as a 12 B static file',
    path: HELLO_FILE,
    check: (body) => body === HELLO,
    only: [...OUR_VARIANTS.map((variant) => variant.id), 'express'],
  },
];

interface Sample extends WrkResult {
  cpuSeconds?: number;
  cpuSecondsPer10k?: number;
}

type Results = Record<string, Record<string, Sample[]>>;

const key = (target: Target) => `${target.name}, ${target.network}`;

function measure(target: Target, endpoint: Endpoint, seconds: number): Sample {
  const before = target.clock();
  const result = wrk(`${target.url}${endpoint.path}`, seconds, CONNECTIONS);
  const after = target.clock();
  if (before === undefined || after === undefined || !result.requests) return result;
  const cpuSeconds = after - before;
  return { ...result, cpuSeconds, cpuSecondsPer10k: (cpuSeconds / result.requests) * 10000 };
}

const endpointsOf = (target: Target) => ENDPOINTS.filter((endpoint) => !endpoint.only || endpoint.only.includes(target.server));

async function throughput(targets: Target[]): Promise<Results> {
  const results: Results = {};
  for (const target of targets) {
    results[key(target)] = {};
    for (const endpoint of endpointsOf(target)) {
      const response = await httpGet(`${target.url}${endpoint.path}`);
      if (response.status !== 200 || !endpoint.check(response.body)) {
        throw new Error(`${key(target)}: ${endpoint.path} answered ${response.status}: ${response.body.slice(0, 300)}`);
      }
      wrk(`${target.url}${endpoint.path}`, 1, CONNECTIONS); // warm up: daemon processes loaded, connections made
      results[key(target)][endpoint.label] = [];
    }
  }
  for (let run = 0; run < repeat; run += 1) {
    // Interleaved, and each repetition starts with another server: drift in the machine's load is shared out.
    const order = targets.map((_, index) => targets[(index + run) % targets.length]);
    for (const endpoint of ENDPOINTS) {
      for (const target of order) {
        if (endpointsOf(target).includes(endpoint)) results[key(target)][endpoint.label].push(measure(target, endpoint, duration));
      }
    }
  }
  return results;
}

/** Marks a figure whose runs saw non-2xx answers or socket errors (the details are in the JSON). */
function wrkErrors(runs: WrkResult[]): string {
  const failed = runs.filter((run) => run.errors.length).length;
  return failed ? `errors in ${failed}/${runs.length} runs` : '';
}

function throughputRows(results: Results, targets: Target[]): ThroughputRow[] {
  const table: ThroughputRow[] = [];
  for (const network of [HOST_NETWORK, PUBLISHED]) {
    const ours = targets.find((target) => target.server === 'ours' && target.network === network);
    for (const endpoint of ENDPOINTS) {
      for (const target of targets.filter((candidate) => candidate.network === network && endpointsOf(candidate).includes(endpoint))) {
        const samples = results[key(target)][endpoint.label];
        const values = (list: Sample[] | undefined, field: keyof Sample) => (list ?? []).map((sample) => sample[field] as number);
        const ratioTo = (base: Target | undefined) => (field: keyof Sample) => {
          const baseSamples = base ? results[key(base)][endpoint.label] : undefined;
          return baseSamples && !values(samples, field).some((value) => value === undefined)
            ? pairedRatios(values(baseSamples, field), values(samples, field))
            : undefined;
        };
        const ratio = ratioTo(ours);
        table.push({
          endpoint: endpoint.label,
          server: target.name,
          serverId: target.server,
          network,
          requestsPerSecond: values(samples, 'requestsPerSecond'),
          p50Ms: values(samples, 'p50Ms'),
          p99Ms: values(samples, 'p99Ms'),
          cpuSecondsPer10k: samples.every((sample) => sample.cpuSecondsPer10k !== undefined) ? values(samples, 'cpuSecondsPer10k') : undefined,
          oursOverIt: { requestsPerSecond: ratio('requestsPerSecond'), p99Ms: ratio('p99Ms'), cpuSecondsPer10k: ratio('cpuSecondsPer10k') },
          errors: wrkErrors(samples),
        });
      }
    }
  }
  return table;
}

// ---------------------------------------------------------------- start and stop

interface StartStop extends StopSample {
  firstOkMs: number;
}

/**
 * `docker run --rm BASE true` on the network a server start is compared on, through the same
 * Engine API calls: the container runtime's own floor. The default bridge network (a network
 * namespace and its veth pair, which a published port needs) costs about 0.2 s of that here
 * over the host network, so each network has its own floor.
 */
async function runtimeFloor(network: string): Promise<number> {
  const started = performance.now();
  const hostConfig: Docker.HostConfig =
    network === HOST_NETWORK ? { NetworkMode: 'host' } : { PortBindings: { '8000/tcp': [{ HostIp: '127.0.0.1', HostPort: '' }] } };
  const container = await docker.createContainer({
    Image: BASE,
    Cmd: ['true'],
    ExposedPorts: network === HOST_NETWORK ? undefined : { '8000/tcp': {} },
    HostConfig: { AutoRemove: true, ...hostConfig },
  });
  const exited = container.wait();
  await container.start();
  await exited;
  const floorMs = performance.now() - started;
  // AutoRemove runs after the exit: the next figure starts once it is done (a
  // published port's teardown beside a start cost that start about 30 ms).
  await container.wait({ condition: 'removed' }).catch(() => undefined);
  return floorMs;
}

/** docker run -> first 200 (on the host network, or published on 127.0.0.1), then removed. */
async function containerFirst200(image: string, network: string, command?: (port: number) => string[]): Promise<number> {
  const started = performance.now();
  const server = network === HOST_NETWORK ? await startHostNetwork(image, command) : await startContainer(image, { cmd: command?.(8000) });
  try {
    return await untilOk(server.url('/'), started);
  } finally {
    await removeContainer(server);
  }
}

async function containerStartStop(image: string, command?: string[]): Promise<StartStop> {
  const started = performance.now();
  const server = await startContainer(image, { cmd: command });
  try {
    const firstOkMs = await untilOk(server.url('/'), started);
    const stop = await stopWithSlowRequest(server.url(''), async () => {
      await server.container.stop({ t: 30 });
    });
    return { firstOkMs, ...stop };
  } finally {
    await removeContainer(server);
  }
}

async function expressStartStop(express: Reference, app: App, work: string, signal: NodeJS.Signals): Promise<StartStop> {
  const started = performance.now();
  const server: HostServer = startExpress(express.path, app.script, expressOptions(app.staticDir), path.join(work, `root-${signal}`));
  try {
    const firstOkMs = await untilOk(`${server.url}/`, started);
    const stop = await stopWithSlowRequest(server.url, () => server.stop(signal));
    return { firstOkMs, ...stop };
  } finally {
    server.kill();
  }
}

const completed = (samples: StopSample[]) => `, ${samples.filter((sample) => sample.slowRequestCompleted).length}/${samples.length} completed`;

async function startRows(express: Reference, app: App, work: string): Promise<Record<string, number[]>> {
  const gunicorn = PEERS.find((peer) => peer.id === 'gunicorn-sync')!;
  const variants: Record<string, () => Promise<number>> = {
    'floor, host network': () => runtimeFloor(HOST_NETWORK),
    'floor, published port': () => runtimeFloor(PUBLISHED),
    'ours, host network': () => containerFirst200(OURS, HOST_NETWORK),
    'ours, published port': () => containerFirst200(OURS, PUBLISHED),
    express: async () => (await expressStartStop(express, app, work, 'SIGTERM')).firstOkMs,
    'gunicorn sync, published port': () => containerFirst200(PEERS_IMAGE, PUBLISHED, (port) => gunicorn.command(port, PROCESSES, THREADS)),
  };
  const samples: Record<string, number[]> = Object.fromEntries(Object.keys(variants).map((name) => [name, []]));
  for (let run = 0; run < repeat; run += 1) {
    for (const [name, measureOne] of Object.entries(variants)) samples[name].push(await measureOne());
  }
  const row = (ours: string, reference: string, name: string): ComparisonRow => ({
    figure: 'start → first 200 ms',
    ours: `docker run, ${ours.replace('ours, ', '')}`,
    oursValues: samples[ours],
    reference,
    referenceValues: samples[name],
    digits: 0,
  });
  rows.push(
    row('ours, host network', "docker run --rm --network host BASE true (the runtime's floor)", 'floor, host network'),
    row('ours, published port', "docker run --rm -p 127.0.0.1::8000 BASE true (the runtime's floor)", 'floor, published port'),
    row('ours, host network', 'mod_wsgi-express start-server on the host', 'express'),
    row('ours, published port', 'gunicorn sync, docker run (published port)', 'gunicorn sync, published port'),
  );
  return samples;
}

async function stopRows(express: Reference, app: App, work: string): Promise<Record<string, StartStop[]>> {
  const gunicorn = PEERS.find((peer) => peer.id === 'gunicorn-sync')!;
  const variants: Record<string, () => Promise<StartStop>> = {
    ours: () => containerStartStop(OURS),
    'mod_wsgi-express, SIGTERM': () => expressStartStop(express, app, work, 'SIGTERM'),
    'mod_wsgi-express, SIGWINCH': () => expressStartStop(express, app, work, 'SIGWINCH'),
    gunicorn: () => containerStartStop(PEERS_IMAGE, gunicorn.command(8000, PROCESSES, THREADS)),
  };
  const samples: Record<string, StartStop[]> = Object.fromEntries(Object.keys(variants).map((name) => [name, []]));
  for (let run = 0; run < repeat; run += 1) {
    for (const [name, measureOne] of Object.entries(variants)) samples[name].push(await measureOne());
  }
  const stopMs = (name: string) => samples[name].map((sample) => sample.stopMs);
  const stopRow = (reference: string, name: string): ComparisonRow => ({
    figure: 'stop with a 2 s request in flight ms',
    ours: 'docker stop',
    oursValues: stopMs('ours'),
    oursNote: completed(samples.ours),
    reference,
    referenceValues: stopMs(name),
    referenceNote: completed(samples[name]),
    digits: 0,
  });
  rows.push(
    stopRow('mod_wsgi-express on the host, SIGTERM to httpd', 'mod_wsgi-express, SIGTERM'),
    stopRow('mod_wsgi-express on the host, SIGWINCH (apachectl graceful-stop)', 'mod_wsgi-express, SIGWINCH'),
    stopRow('gunicorn sync, docker stop', 'gunicorn'),
  );
  return samples;
}

// ---------------------------------------------------------------- rolling replacement

/**
 * Two replicas replaced under load behind HAProxy (no retries, checks once a
 * second): the requests that fail with MWE_STOP_DELAY=2 against without one.
 */
async function rollingRows(): Promise<Record<string, RollingResult[]>> {
  const images = ['v1', 'v2'].map((version) => `mwe-bench/version:${version}`);
  for (const [index, image] of images.entries()) {
    await buildWithCli([fixture('version', 'wsgi.py'), '--setenv', 'APP_VERSION', `v${index + 1}`, '--tag', image]);
  }
  const samples: Record<string, RollingResult[]> = { delay: [], none: [] };
  for (let run = 0; run < repeat; run += 1) {
    samples.delay.push(await rollingReplacement(images[0], images[1], 2));
    samples.none.push(await rollingReplacement(images[0], images[1], 0));
  }
  const failed = (results: RollingResult[]) => results.map((result) => result.non2xx + result.connect + result.read + result.write + result.timeout);
  const total = (results: RollingResult[]) => ` of ${results.map((result) => result.requests).join('/')} requests`;
  rows.push({
    figure: 'rolling replacement of 2 replicas behind HAProxy under wrk load: failed requests',
    ours: '--stop-delay 2',
    oursValues: failed(samples.delay),
    oursNote: total(samples.delay),
    reference: 'ours, --stop-delay 0',
    referenceValues: failed(samples.none),
    referenceNote: total(samples.none),
    digits: 0,
  });
  return samples;
}

// ---------------------------------------------------------------- builds

async function builds(work: string): Promise<Record<string, unknown>> {
  const measured = await measureBuilds(buildComparisonApp(path.join(work, 'builds')), buildRepeat);
  const { cold, warm, sizeBytes: sizes } = measured;
  // The hand-written image must work too, or its size and build times mean nothing.
  const check = await startContainer(HANDWRITTEN);
  try {
    await untilOk(check.url(STATIC_FILE), performance.now());
  } finally {
    await removeContainer(check);
  }
  rows.push(...buildRows(measured));
  return {
    toolchain: measured.toolchain,
    coldSeconds: cold,
    warmSeconds: warm,
    reproducibility: measured.reproducibility,
    sizeBytes: sizes,
    sizeMb: Object.fromEntries(Object.entries(sizes).map(([k, v]) => [k, mb(v)])),
  };
}

// ---------------------------------------------------------------- main

async function main(): Promise<void> {
  const work = mkdtempSync(path.join(os.tmpdir(), 'mwe-bench-compare-'));
  const targets: Target[] = [];
  const load = sampleLoad();
  try {
    const app = prepareApp(work);
    mkdirSync(WHEELHOUSE, { recursive: true }); // filled once the toolchain says which Python it is for
    // The default toolchain, as `mwe-image build` picks it (its mod_wsgi source resolved and pinned).
    const { raw } = parseBuildArgv(['build', ...oursArgs(app, OURS)]);
    const { toolchain } = await prepareToolchain(resolveBuildOptions(raw), () => undefined);
    await fillWheelhouse(WHEELHOUSE, toolchain);
    await buildWithCli(oursArgs(app, OURS));
    // The default image is built above (the start, stop and build figures use it too).
    for (const variant of OUR_VARIANTS.slice(1).filter((other) => servers.includes(other.id)))
      await buildWithCli([...oursArgs(app, variant.image), ...variant.options]);
    await buildPeersImage(BASE, WHEELHOUSE, app.app);
    const express: Reference = { version: toolchain.facts.modWsgiVersion, path: referenceExpress(toolchain.facts.modWsgiVersion) };
    const data: Record<string, unknown> = {};

    let throughputTableRows: ThroughputRow[] = [];
    if (sections.includes('throughput')) {
      const pythonPath = servers.includes('express') ? hostFrameworks(express.path, work, app.requirements) : undefined;
      targets.push(...(await startTargets(express, app, pythonPath, work)));
      data.wrk = await throughput(targets);
      throughputTableRows = throughputRows(data.wrk as Results, targets);
      await Promise.all(targets.splice(0).map((target) => target.close()));
    }
    if (sections.includes('start')) data.start = await startRows(express, app, work);
    if (sections.includes('stop')) data.stop = await stopRows(express, app, work);
    if (sections.includes('rolling')) data.rolling = await rollingRows();
    if (sections.includes('builds')) data.builds = await builds(work);

    const header = ['figure', 'ours', 'ours: median (min–max)', 'reference', 'reference: median (min–max)', 'ours / reference: median (min–max)'];
    const table = rows.map(comparisonCells);
    const loadDuringRun = load();
    const setup = {
      repeat,
      buildRepeat,
      durationSeconds: duration,
      cpus,
      connections: CONNECTIONS,
      processes: PROCESSES,
      threads: THREADS,
      sections,
      networks,
      servers,
      expressVersion: express.version,
      toolchain: toolchain.tag,
    };
    if (throughputTableRows.length) {
      console.log(`${throughputTable(throughputTableRows)}\n\n${targetsTable(throughputTableRows, `mod_wsgi-express ${express.version}`)}\n`);
    }
    report(
      resultsName,
      `Side by side, ${repeat} interleaved runs per server figure and ${buildRepeat} per build figure; ratio = ours / reference per run; ` +
        `--processes ${PROCESSES} --threads ${THREADS} (workers and threads) for every server, --cpus ${cpus}; ` +
        `1-minute load average during the run ${formatStats(loadDuringRun, 1)}.`,
      header,
      table,
      {
        ...setup,
        loadDuringRun,
        throughput: throughputTableRows,
        rows: rows.map((row) => ({
          ...row,
          oursStats: stats(row.oursValues),
          referenceStats: stats(row.referenceValues),
          ratio: stats(pairedRatios(row.oursValues, row.referenceValues)),
        })),
        ...data,
      },
    );
  } finally {
    await Promise.all(targets.map((target) => target.close()));
    rmSync(work, { recursive: true, force: true });
  }
}

runWhenMain(import.meta.url, main);
