/**
 * Build benchmark, side by side in one run (issue #16): mwe-image against
 * bench/handwritten/Dockerfile (one stage, Debian's Apache and Python with
 * the compilers, mod_wsgi pip-installed, the app copied last), repetitions
 * interleaved, each figure as median (min–max) with the ratio of each pair.
 *
 * - cold: no layer cache for our images (the toolchain, then the app image
 *   on it) vs the hand-written Dockerfile with no cache; ours is split into
 *   its toolchain and app-image parts to show where the time goes.
 * - warm: a one-line app change rebuilt by `mwe-image build` (the whole CLI
 *   run: node, the engine checks, the build) vs the hand-written rebuild.
 * - size: the app image vs the hand-written image and vs the floor (the base
 *   with only the runtime packages installed, apt's lists and caches removed).
 *
 *   npm run bench:build [-- --repeat 3]
 *
 * Prints a markdown table, writes bench/results/build.json. Numbers, not a test.
 */
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { appBuildSettings, appContext } from '../src/app-image.js';
import { parseBuildArgv } from '../src/cli.js';
import { prepareToolchain } from '../src/pipeline.js';
import { buildImage, chooseBuilder } from '../src/docker/build-stream.js';
import { ContextBuilder } from '../src/docker/context.js';
import { readImagePath } from '../src/docker/image-files.js';
import { resolveBuildOptions } from '../src/options.js';
import { planBuild } from '../src/plan.js';
import { ensureToolchain, type Toolchain, type ToolchainRequest } from '../src/toolchain.js';
import { buildWithCli, docker } from '../test/helpers/docker.js';
import { ROOT } from '../test/helpers/paths.js';
import { formatStats, numberArgument, pairedRatios, report, runWhenMain, sampleLoad, seconds } from './report.js';

export const mb = (bytes: number) => (bytes / 2 ** 20).toFixed(1);

/** The floor: the base with only the runtime packages the toolchain names (apt's lists and caches removed). */
export async function floorSize(baseImage: string, toolchainTag: string): Promise<number> {
  const [list] = await readImagePath(docker, toolchainTag, '/out/usr/local/lib/mwe-image/runtime-packages.txt');
  const dockerfile = [
    `FROM ${baseImage}`,
    `RUN apt-get update && apt-get install -y --no-install-recommends ${list.content.toString().trim()} && rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin /var/cache/apt/archives/*.deb`,
  ].join('\n');
  const tag = `mwe-bench/floor:${toolchainTag.split(':')[1]}`;
  await buildImage(docker, { context: new ContextBuilder().addFile('Dockerfile', dockerfile).toStream(), tag });
  return (await docker.getImage(tag).inspect()).Size;
}

export interface BuildApp {
  /** The app directory (the hand-written Dockerfile copies it whole). */
  app: string;
  script: string;
  /** mwe-image build's arguments for a tag. */
  args: (tag: string) => string[];
}

export interface BuildMeasurements {
  toolchain: string;
  cold: { ours: number[]; oursToolchain: number[]; oursApp: number[]; handwritten: number[] };
  /** Ours with BuildKit's cache mounts (apt downloads, pip, the compiler cache) emptied too: a builder's first build. */
  firstBuild: number[];
  warm: { ours: number[]; handwritten: number[] };
  sizeBytes: { ours: number; handwritten: number; floor: number };
}

const OURS = 'mwe-bench/build';
const OURS_COLD = 'mwe-bench/build-cold';
const HANDWRITTEN = 'mwe-bench/handwritten';

/** The bench app (bench/app/wsgi.py and a static directory) in `work`. */
export function prepareBenchApp(work: string): { app: string; script: string; staticDir: string } {
  const app = path.join(work, 'app');
  const staticDir = path.join(app, 'static');
  mkdirSync(staticDir, { recursive: true });
  copyFileSync(path.join(ROOT, 'bench', 'app', 'wsgi.py'), path.join(app, 'wsgi.py'));
  const line = 'mwe-image benchmark static file, 64 bytes a line..................\n'.slice(0, 64);
  writeFileSync(path.join(staticDir, '100k.txt'), line.repeat(102400 / line.length));
  return { app, script: path.join(app, 'wsgi.py'), staticDir };
}

/** Empties BuildKit's cache mounts (apt downloads, pip, ccache); the layer cache stays. */
async function emptyCacheMounts(): Promise<void> {
  await docker.pruneBuilder({ filters: JSON.stringify({ type: ['exec.cachemount'] }) } as object);
}

/** No layer cache for our images: the toolchain, then the app image on it. */
async function oursColdBuild(wanted: ToolchainRequest, bench: BuildApp): Promise<{ toolchain: Toolchain; toolchainSeconds: number; appSeconds: number }> {
  const start = performance.now();
  const toolchain = await ensureToolchain(docker, wanted, undefined, true);
  const toolchainSeconds = seconds(start);
  const { app, raw } = parseBuildArgv(['build', ...bench.args(OURS_COLD)]);
  const plan = planBuild(app, resolveBuildOptions(raw));
  const appStart = performance.now();
  const builder = await chooseBuilder(docker);
  await buildImage(docker, {
    context: appContext(plan, toolchain, 'mwe-image build (bench, no cache)', builder).toStream(),
    ...appBuildSettings(plan, toolchain),
    noCache: true,
    builder,
  });
  return { toolchain, toolchainSeconds, appSeconds: seconds(appStart) };
}

async function handwrittenBuild(app: string, noCache: boolean): Promise<number> {
  const start = performance.now();
  const context = new ContextBuilder().addHostPath('Dockerfile', path.join(ROOT, 'bench', 'handwritten', 'Dockerfile')).addHostPath('app', app);
  await buildImage(docker, { context: context.toStream(), tag: HANDWRITTEN, noCache });
  return seconds(start);
}

/** Cold and warm builds, interleaved with the hand-written Dockerfile's, and the sizes. */
export async function measureBuilds(bench: BuildApp, repeat: number): Promise<BuildMeasurements> {
  // The toolchain `mwe-image build` picks for these options (its mod_wsgi source resolved and pinned).
  const { raw } = parseBuildArgv(['build', ...bench.args(OURS)]);
  const { request: wanted } = await prepareToolchain(resolveBuildOptions(raw), () => undefined);
  const cold: BuildMeasurements['cold'] = { ours: [], oursToolchain: [], oursApp: [], handwritten: [] };
  const firstBuild: number[] = [];
  let toolchain: Toolchain | undefined;
  for (let run = 0; run < repeat; run += 1) {
    await emptyCacheMounts();
    const first = await oursColdBuild(wanted, bench);
    firstBuild.push(first.toolchainSeconds + first.appSeconds);
    const ours = await oursColdBuild(wanted, bench);
    toolchain = ours.toolchain;
    cold.oursToolchain.push(ours.toolchainSeconds);
    cold.oursApp.push(ours.appSeconds);
    cold.ours.push(ours.toolchainSeconds + ours.appSeconds);
    cold.handwritten.push(await handwrittenBuild(bench.app, true));
  }
  await buildWithCli(bench.args(OURS));
  const warm: BuildMeasurements['warm'] = { ours: [], handwritten: [] };
  for (let run = 0; run < repeat; run += 1) {
    writeFileSync(bench.script, `${readFileSync(bench.script, 'utf8')}\n# change ${run} ${Date.now()}\n`);
    const start = performance.now();
    await buildWithCli(bench.args(OURS));
    warm.ours.push(seconds(start));
    warm.handwritten.push(await handwrittenBuild(bench.app, false));
  }
  const size = async (tag: string) => (await docker.getImage(tag).inspect()).Size;
  const sizeBytes = { ours: await size(OURS), handwritten: await size(HANDWRITTEN), floor: await floorSize(wanted.baseImage, toolchain!.tag) };
  return { toolchain: toolchain!.tag, cold, firstBuild, warm, sizeBytes };
}

async function main(): Promise<void> {
  const repeat = numberArgument('repeat', 3);
  const work = mkdtempSync(path.join(os.tmpdir(), 'mwe-bench-build-'));
  const load = sampleLoad();
  try {
    const { app, script, staticDir } = prepareBenchApp(work);
    const args = (tag: string) => [
      script,
      '--tag',
      tag,
      '--base-image',
      'debian:trixie-slim',
      '--processes',
      '2',
      '--threads',
      '5',
      '--url-alias',
      '/static/',
      `${staticDir}/`,
    ];
    const measured = await measureBuilds({ app, script, args }, repeat);
    const { cold, warm, sizeBytes } = measured;
    const ratio = (ours: number[], reference: number[]) => formatStats(pairedRatios(ours, reference), 2);
    const rows = [
      [
        'cold build s (no layer cache)',
        'toolchain + app image',
        formatStats(cold.ours, 1),
        'hand-written single-stage Dockerfile',
        formatStats(cold.handwritten, 1),
        ratio(cold.ours, cold.handwritten),
      ],
      ['  of which', 'toolchain', formatStats(cold.oursToolchain, 1), '', '', ''],
      ['  of which', 'app image (assembly, root filesystem, config)', formatStats(cold.oursApp, 1), '', '', ''],
      [
        "first build s (no layer cache, BuildKit's cache mounts emptied too)",
        'toolchain + app image',
        formatStats(measured.firstBuild, 1),
        'hand-written single-stage Dockerfile',
        formatStats(cold.handwritten, 1),
        ratio(measured.firstBuild, cold.handwritten),
      ],
      [
        'warm rebuild s (one-line app change)',
        'mwe-image build (whole CLI run)',
        formatStats(warm.ours, 2),
        'hand-written single-stage Dockerfile',
        formatStats(warm.handwritten, 2),
        ratio(warm.ours, warm.handwritten),
      ],
      [
        'image size MB',
        'app image',
        mb(sizeBytes.ours),
        'hand-written single-stage image',
        mb(sizeBytes.handwritten),
        (sizeBytes.ours / sizeBytes.handwritten).toFixed(2),
      ],
      ['image size MB', 'app image', mb(sizeBytes.ours), 'floor: base + runtime packages', mb(sizeBytes.floor), (sizeBytes.ours / sizeBytes.floor).toFixed(2)],
    ];
    const loadAverage = load();
    report(
      'build',
      `Builds side by side, median (min–max) of ${repeat} interleaved runs; ratios per pair. Load average during the run ${formatStats(loadAverage, 1)} (other work on the machine).`,
      ['figure', 'ours', 'ours: median (min–max)', 'reference', 'reference: median (min–max)', 'ours / reference'],
      rows,
      { repeat, ...measured, loadAverageDuringRun: loadAverage },
    );
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

runWhenMain(import.meta.url, main);
