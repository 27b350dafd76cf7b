/**
 * Side by side (issue #7): every figure of an mwe-image container measured in
 * the same run as its reference, repetitions interleaved, reported as the
 * ratio ours / reference of each repetition's pair, median (min–max).
 *
 * - wrk (Debian's package) on 127.0.0.1 for hello world and a 100 KB static
 *   file: our container (published on 127.0.0.1, and on the host network) vs
 *   the real mod_wsgi-express on the host, mod_wsgi from PyPI in the version
 *   our toolchain compiled (same --processes/--threads and --url-alias), vs
 *   Debian's gunicorn (sync workers, same count) in a container of the same
 *   base; gunicorn sends the static file from the app.
 * - docker run -> first 200 vs mod_wsgi-express start-server -> first 200.
 * - Stop with a 2 s request in flight: docker stop vs SIGTERM (and SIGWINCH,
 *   apachectl graceful-stop) to the host's httpd vs docker stop of gunicorn.
 * - Rolling replacement of two replicas behind HAProxy under wrk load:
 *   failed requests with --stop-delay 2 vs without a delay.
 * - Builds: cold (no layer cache: toolchain and app) and warm (one-line app
 *   change) vs bench/handwritten/Dockerfile; image size vs that image and vs
 *   the floor (base + runtime packages).
 *
 *   npm run bench [-- --repeat 3] [-- --build-repeat 3] [-- --duration 10]
 *
 * Prints one markdown table, writes bench/results/compare.json. Numbers, not a test.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { appContext } from '../src/app-image.js';
import { parseBuildArgv } from '../src/cli.js';
import { prepareToolchain } from '../src/pipeline.js';
import { buildImage } from '../src/docker/build-stream.js';
import { ContextBuilder } from '../src/docker/context.js';
import { resolveBuildOptions } from '../src/options.js';
import { planBuild } from '../src/plan.js';
import { ensureToolchain, type Toolchain, type ToolchainRequest } from '../src/toolchain.js';
import { buildWithCli, docker, httpGet, removeContainer, startContainer, startOnHostNetwork, type Running } from '../test/helpers/docker.js';
import { fixture, ROOT } from '../test/helpers/paths.js';
import { rollingReplacement, type RollingResult } from '../test/helpers/rolling.js';
import { floorSize, mb } from './build.js';
import { formatStats, numberArgument, pairedRatios, report, runWhenMain, sampleLoad, seconds, stats } from './report.js';
import { referenceExpress, startExpress, stopWithSlowRequest, untilOk, type HostServer, type StopSample } from './servers.js';

const repeat = numberArgument('repeat', 3);
const buildRepeat = numberArgument('build-repeat', 3);
const duration = numberArgument('duration', 10);
const PROCESSES = 2;
const THREADS = 5;
const CONNECTIONS = 8;
const BASE = 'debian:trixie-slim';
const STATIC_FILE = '/static/100k.txt';
const STATIC_BYTES = 102400;
const OURS = 'mwe-bench/compare';
const OURS_COLD = 'mwe-bench/compare-cold';
const GUNICORN = 'mwe-bench/gunicorn';
const HANDWRITTEN = 'mwe-bench/handwritten';

interface Row {
  figure: string;
  ours: string;
  oursValues: number[];
  reference: string;
  referenceValues: number[];
  digits: number;
  /** Appended to both value cells, e.g. how many slow requests completed. */
  oursNote?: string;
  referenceNote?: string;
}

const rows: Row[] = [];

// ---------------------------------------------------------------- the app

function prepareApp(work: string): { app: string; script: string; staticDir: string } {
  const app = path.join(work, 'app');
  const staticDir = path.join(app, 'static');
  mkdirSync(staticDir, { recursive: true });
  copyFileSync(path.join(ROOT, 'bench', 'app', 'wsgi.py'), path.join(app, 'wsgi.py'));
  const line = 'mwe-image benchmark static file, 64 bytes a line..................\n'.slice(0, 64);
  writeFileSync(path.join(staticDir, '100k.txt'), line.repeat(STATIC_BYTES / line.length));
  chmodSync(work, 0o755); // the host's Apache children (www-data) read the app and the server root
  return { app, script: path.join(app, 'wsgi.py'), staticDir };
}

const oursArgs = (script: string, staticDir: string, tag: string) =>
  [script, '--tag', tag, '--base-image', BASE, '--processes', String(PROCESSES), '--threads', String(THREADS), '--url-alias', '/static/', `${staticDir}/`];
const expressOptions = (staticDir: string) =>
  ['--processes', String(PROCESSES), '--threads', String(THREADS), '--url-alias', '/static/', `${staticDir}/`];

function dockerfileContext(dockerfile: string, app: string): ContextBuilder {
  return new ContextBuilder().addHostPath('Dockerfile', path.join(ROOT, 'bench', dockerfile, 'Dockerfile')).addHostPath('app', app);
}

// ---------------------------------------------------------------- servers

/** The real mod_wsgi-express on the host: its path and mod_wsgi version. */
interface Reference {
  path: string;
  version: string;
}

interface Target {
  name: string;
  url: string;
  close: () => Promise<void>;
}

async function containerTarget(name: string, running: Running): Promise<Target> {
  await untilOk(running.url('/'), performance.now()).catch(async (error) => {
    await removeContainer(running);
    throw error;
  });
  return { name, url: running.url(''), close: () => removeContainer(running) };
}

async function expressTarget(express: Reference, script: string, staticDir: string, work: string): Promise<Target> {
  const server = startExpress(express.path, script, expressOptions(staticDir), path.join(work, 'root-wrk'));
  await untilOk(`${server.url}/`, performance.now()).catch((error) => {
    server.kill();
    throw error;
  });
  return { name: `mod_wsgi-express ${express.version} on the host`, url: server.url, close: async () => { await server.stop(); server.kill(); } };
}

// ---------------------------------------------------------------- wrk

interface WrkResult {
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  errors: string[];
}

const UNIT_MS: Record<string, number> = { us: 0.001, ms: 1, s: 1000, m: 60000 };

function latencyMs(output: string, percentile: string): number {
  const match = new RegExp(`^\\s*${percentile}%\\s+([\\d.]+)(us|ms|s|m)\\s*$`, 'm').exec(output);
  if (!match) throw new Error(`wrk printed no ${percentile}% latency:\n${output}`);
  return Number(match[1]) * UNIT_MS[match[2]];
}

function wrk(url: string, seconds: number): WrkResult {
  const run = spawnSync('wrk', ['-t', '2', '-c', String(CONNECTIONS), '-d', `${seconds}s`, '--latency', url], { encoding: 'utf8' });
  if (run.error || run.status !== 0) throw new Error(`wrk failed (install Debian's wrk: apt-get install wrk): ${run.error?.message ?? run.stderr}`);
  const output = run.stdout;
  const requests = /^Requests\/sec:\s+([\d.]+)/m.exec(output);
  if (!requests) throw new Error(`wrk printed no Requests/sec:\n${output}`);
  const errors = output.split('\n').filter((line) => /Non-2xx|Socket errors/.test(line)).map((line) => line.trim());
  return { requestsPerSecond: Number(requests[1]), p50Ms: latencyMs(output, '50'), p99Ms: latencyMs(output, '99'), errors };
}

async function throughput(targets: Target[]): Promise<Record<string, Record<string, WrkResult[]>>> {
  const results: Record<string, Record<string, WrkResult[]>> = {};
  const paths = { 'hello world': '/', '100 KB static file': STATIC_FILE };
  for (const target of targets) {
    const file = await httpGet(`${target.url}${STATIC_FILE}`);
    if (file.status !== 200 || file.body.length !== STATIC_BYTES) throw new Error(`${target.name}: ${STATIC_FILE} answered ${file.status} with ${file.body.length} bytes`);
    results[target.name] = {};
    for (const [label, urlPath] of Object.entries(paths)) {
      wrk(`${target.url}${urlPath}`, 1); // warm up: daemon processes loaded, connections made
      results[target.name][label] = [];
    }
  }
  for (let run = 0; run < repeat; run += 1) {
    for (const target of targets) {
      for (const [label, urlPath] of Object.entries(paths)) results[target.name][label].push(wrk(`${target.url}${urlPath}`, duration));
    }
  }
  return results;
}

/** Marks a figure whose runs saw non-2xx answers or socket errors (the details are in the JSON). */
function wrkErrors(runs: WrkResult[]): string {
  const failed = runs.filter((run) => run.errors.length).length;
  return failed ? `, errors in ${failed}/${runs.length} runs` : '';
}

function throughputRows(results: Record<string, Record<string, WrkResult[]>>, pairs: [string, string][]): void {
  const metrics: [keyof WrkResult, string, number][] = [['requestsPerSecond', 'requests/s', 0], ['p50Ms', 'p50 latency ms', 2], ['p99Ms', 'p99 latency ms', 2]];
  for (const label of ['hello world', '100 KB static file']) {
    for (const [key, metric, digits] of metrics) {
      for (const [ours, reference] of pairs) {
        rows.push({
          figure: `wrk -c ${CONNECTIONS} ${duration} s, ${label}: ${metric}`,
          ours, oursValues: results[ours][label].map((result) => result[key] as number), oursNote: wrkErrors(results[ours][label]),
          reference, referenceValues: results[reference][label].map((result) => result[key] as number), referenceNote: wrkErrors(results[reference][label]),
          digits,
        });
      }
    }
  }
}

// ---------------------------------------------------------------- start and stop

interface StartStop extends StopSample {
  firstOkMs: number;
}

async function containerStartStop(image: string): Promise<StartStop> {
  const started = performance.now();
  const server = await startContainer(image);
  try {
    const firstOkMs = await untilOk(server.url('/'), started);
    const stop = await stopWithSlowRequest(server.url(''), async () => { await server.container.stop({ t: 30 }); });
    return { firstOkMs, ...stop };
  } finally {
    await removeContainer(server);
  }
}

async function expressStartStop(express: Reference, script: string, staticDir: string, work: string, signal: NodeJS.Signals): Promise<StartStop> {
  const started = performance.now();
  const server: HostServer = startExpress(express.path, script, expressOptions(staticDir), path.join(work, `root-${signal}`));
  try {
    const firstOkMs = await untilOk(`${server.url}/`, started);
    const stop = await stopWithSlowRequest(server.url, () => server.stop(signal));
    return { firstOkMs, ...stop };
  } finally {
    server.kill();
  }
}

const completed = (samples: StopSample[]) => `, ${samples.filter((sample) => sample.slowRequestCompleted).length}/${samples.length} completed`;

async function startAndStop(express: Reference, script: string, staticDir: string, work: string): Promise<Record<string, StartStop[]>> {
  const variants: Record<string, () => Promise<StartStop>> = {
    ours: () => containerStartStop(OURS),
    'mod_wsgi-express, SIGTERM': () => expressStartStop(express, script, staticDir, work, 'SIGTERM'),
    'mod_wsgi-express, SIGWINCH': () => expressStartStop(express, script, staticDir, work, 'SIGWINCH'),
    gunicorn: () => containerStartStop(GUNICORN),
  };
  const samples: Record<string, StartStop[]> = Object.fromEntries(Object.keys(variants).map((name) => [name, []]));
  for (let run = 0; run < repeat; run += 1) {
    for (const [name, measure] of Object.entries(variants)) samples[name].push(await measure());
  }
  const first200 = (name: string) => samples[name].map((sample) => sample.firstOkMs);
  const stopMs = (name: string) => samples[name].map((sample) => sample.stopMs);
  rows.push(
    { figure: 'start → first 200 ms', ours: 'docker run (published port)', oursValues: first200('ours'),
      reference: 'mod_wsgi-express start-server on the host', referenceValues: first200('mod_wsgi-express, SIGTERM'), digits: 0 },
    { figure: 'start → first 200 ms', ours: 'docker run (published port)', oursValues: first200('ours'),
      reference: 'gunicorn, docker run', referenceValues: first200('gunicorn'), digits: 0 },
  );
  const stopRow = (reference: string, name: string): Row => ({
    figure: 'stop with a 2 s request in flight ms', ours: 'docker stop', oursValues: stopMs('ours'), oursNote: completed(samples.ours),
    reference, referenceValues: stopMs(name), referenceNote: completed(samples[name]), digits: 0,
  });
  rows.push(
    stopRow('mod_wsgi-express on the host, SIGTERM to httpd', 'mod_wsgi-express, SIGTERM'),
    stopRow('mod_wsgi-express on the host, SIGWINCH (apachectl graceful-stop)', 'mod_wsgi-express, SIGWINCH'),
    stopRow('gunicorn, docker stop', 'gunicorn'),
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
    ours: '--stop-delay 2', oursValues: failed(samples.delay), oursNote: total(samples.delay),
    reference: 'ours, --stop-delay 0', referenceValues: failed(samples.none), referenceNote: total(samples.none), digits: 0,
  });
  return samples;
}

// ---------------------------------------------------------------- builds

/** No layer cache anywhere: the toolchain, then the app image on it. */
async function oursColdBuild(wanted: ToolchainRequest, script: string, staticDir: string): Promise<{ seconds: number; toolchain: Toolchain }> {
  const start = performance.now();
  const toolchain = await ensureToolchain(docker, wanted, undefined, true);
  const { app, raw } = parseBuildArgv(['build', ...oursArgs(script, staticDir, OURS_COLD)]);
  const plan = planBuild(app, resolveBuildOptions(raw));
  await buildImage(docker, {
    context: appContext(plan, toolchain, 'mwe-image build (bench, no cache)').toStream(),
    tag: OURS_COLD,
    buildArgs: { TOOLCHAIN_IMAGE: toolchain.tag, BASE_IMAGE: plan.options.baseImage },
    noCache: true,
  });
  return { seconds: seconds(start), toolchain };
}

async function handwrittenBuild(app: string, noCache: boolean): Promise<number> {
  const start = performance.now();
  await buildImage(docker, { context: dockerfileContext('handwritten', app).toStream(), tag: HANDWRITTEN, noCache });
  return seconds(start);
}

function touch(script: string, run: number): void {
  writeFileSync(script, `${readFileSync(script, 'utf8')}\n# change ${run} ${Date.now()}\n`);
}

async function builds(wanted: ToolchainRequest, app: string, script: string, staticDir: string): Promise<Record<string, unknown>> {
  const cold = { ours: [] as number[], handwritten: [] as number[] };
  let toolchain: Toolchain | undefined;
  for (let run = 0; run < buildRepeat; run += 1) {
    const ours = await oursColdBuild(wanted, script, staticDir);
    toolchain = ours.toolchain;
    cold.ours.push(ours.seconds);
    cold.handwritten.push(await handwrittenBuild(app, true));
  }
  const warm = { ours: [] as number[], handwritten: [] as number[] };
  for (let run = 0; run < buildRepeat; run += 1) {
    touch(script, run);
    const start = performance.now();
    await buildWithCli(oursArgs(script, staticDir, OURS));
    warm.ours.push(seconds(start));
    warm.handwritten.push(await handwrittenBuild(app, false));
  }
  // The hand-written image must work too, or its size and build times mean nothing.
  const check = await startContainer(HANDWRITTEN);
  try {
    await untilOk(check.url(STATIC_FILE), performance.now());
  } finally {
    await removeContainer(check);
  }
  const size = async (tag: string) => (await docker.getImage(tag).inspect()).Size;
  const sizes = { ours: await size(OURS), handwritten: await size(HANDWRITTEN), floor: await floorSize(BASE, toolchain!.tag) };
  rows.push(
    { figure: 'cold build s (no layer cache)', ours: 'toolchain + app image', oursValues: cold.ours,
      reference: 'hand-written single-stage Dockerfile', referenceValues: cold.handwritten, digits: 1 },
    { figure: 'warm rebuild s (one-line app change)', ours: 'mwe-image build', oursValues: warm.ours,
      reference: 'hand-written single-stage Dockerfile', referenceValues: warm.handwritten, digits: 1 },
    { figure: 'image size MB', ours: 'app image', oursValues: [sizes.ours / 2 ** 20],
      reference: 'hand-written single-stage image', referenceValues: [sizes.handwritten / 2 ** 20], digits: 1 },
    { figure: 'image size MB', ours: 'app image', oursValues: [sizes.ours / 2 ** 20],
      reference: 'floor: base + runtime packages', referenceValues: [sizes.floor / 2 ** 20], digits: 1 },
  );
  return { toolchain: toolchain!.tag, coldSeconds: cold, warmSeconds: warm, sizeBytes: sizes, sizeMb: Object.fromEntries(Object.entries(sizes).map(([k, v]) => [k, mb(v)])) };
}

// ---------------------------------------------------------------- main

async function main(): Promise<void> {
  const work = mkdtempSync(path.join(os.tmpdir(), 'mwe-bench-compare-'));
  const targets: Target[] = [];
  const load = sampleLoad();
  try {
    const { app, script, staticDir } = prepareApp(work);
    // The default toolchain, as `mwe-image build` picks it (its mod_wsgi source resolved and pinned).
    const { raw } = parseBuildArgv(['build', ...oursArgs(script, staticDir, OURS)]);
    const { toolchain, request: wanted } = await prepareToolchain(resolveBuildOptions(raw), () => undefined);
    await buildWithCli(oursArgs(script, staticDir, OURS));
    await buildImage(docker, { context: dockerfileContext('gunicorn', app).toStream(), tag: GUNICORN, buildArgs: { WORKERS: String(PROCESSES) } });
    const express: Reference = { version: toolchain.facts.modWsgiVersion, path: referenceExpress(toolchain.facts.modWsgiVersion) };

    targets.push(await containerTarget('ours, -p 127.0.0.1 (docker-proxy)', await startContainer(OURS)));
    targets.push(await containerTarget('ours, host network', await startOnHostNetwork(OURS)));
    targets.push(await expressTarget(express, script, staticDir, work));
    targets.push(await containerTarget('gunicorn (Debian), -p 127.0.0.1 (docker-proxy)', await startContainer(GUNICORN)));
    const [published, hostNetwork, host, gunicorn] = targets.map((target) => target.name);
    const wrkResults = await throughput(targets);
    await Promise.all(targets.splice(0).map((target) => target.close()));
    throughputRows(wrkResults, [[hostNetwork, host], [published, host], [published, gunicorn]]);

    const startStop = await startAndStop(express, script, staticDir, work);
    const rolling = await rollingRows();
    const buildResults = await builds(wanted, app, script, staticDir);

    const header = ['figure', 'ours', 'ours: median (min–max)', 'reference', 'reference: median (min–max)', 'ours / reference: median (min–max)'];
    const table = rows.map((row) => [
      row.figure, row.ours, `${formatStats(row.oursValues, row.digits)}${row.oursNote ?? ''}`,
      row.reference, `${formatStats(row.referenceValues, row.digits)}${row.referenceNote ?? ''}`,
      formatStats(pairedRatios(row.oursValues, row.referenceValues), 2),
    ]);
    const loadDuringRun = load();
    report('compare',
      `Side by side, ${repeat} interleaved runs per server figure and ${buildRepeat} per build figure; ratio = ours / reference per run; `
        + `--processes ${PROCESSES} --threads ${THREADS} for both mod_wsgi servers, ${PROCESSES} sync gunicorn workers; `
        + `1-minute load average during the run ${formatStats(loadDuringRun, 1)}.`,
      header, table,
      {
        repeat, buildRepeat, durationSeconds: duration, loadDuringRun, connections: CONNECTIONS, processes: PROCESSES, threads: THREADS,
        rows: rows.map((row) => ({ ...row, oursStats: stats(row.oursValues), referenceStats: stats(row.referenceValues),
          ratio: stats(pairedRatios(row.oursValues, row.referenceValues)) })),
        wrk: wrkResults, startStop, rolling, builds: buildResults,
      });
  } finally {
    await Promise.all(targets.map((target) => target.close()));
    rmSync(work, { recursive: true, force: true });
  }
}

runWhenMain(import.meta.url, main);
