/**
 * Build benchmark, side by side in one run (issue #16): mwe-image against
 * bench/handwritten/Dockerfile (one stage, Debian's Apache and Python with
 * the compilers, mod_wsgi pip-installed, the app copied last), repetitions
 * interleaved, each figure as median (min–max) with the ratio of each pair.
 *
 * - cold: no layer cache for our images (the toolchain, then the app image
 *   on it, on a fresh copy of the base; BuildKit's cache mounts kept) vs the
 *   hand-written Dockerfile with no cache (it has no cache mounts); ours is split into
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
import { buildAppImage } from '../src/app-image.js';
import { parseBuildArgv } from '../src/cli.js';
import { prepareToolchain } from '../src/pipeline.js';
import { buildImage } from '../src/docker/build-stream.js';
import { ContextBuilder } from '../src/docker/context.js';
import { readImagePath } from '../src/docker/image-files.js';
import { resolveBuildOptions } from '../src/options.js';
import { planBuild } from '../src/plan.js';
import { ensureToolchain, type Toolchain, type ToolchainRequest, toolchainTag } from '../src/toolchain.js';
import { buildAppWithoutCache, buildWithCli, docker } from '../test/helpers/docker.js';
import { ROOT } from '../test/helpers/paths.js';
import { type ComparisonRow, comparisonCells, formatStats, numberArgument, report, runWhenMain, sampleLoad, seconds } from './report.js';

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
  reproducibility: { ours: Reproducibility; handwritten: Reproducibility };
  sizeBytes: { ours: number; handwritten: number; floor: number };
}

/** The same inputs built again: from the layer cache, and with no layer cache. */
export interface Reproducibility {
  unchanged: { stepsRun: number; sameId: boolean };
  noLayerCache: { identicalLayers: number; layers: number; sameId: boolean };
}

const OURS = 'mwe-bench/build';
const OURS_COLD = 'mwe-bench/build-cold';
export const HANDWRITTEN = 'mwe-bench/handwritten';
/** bench/handwritten/Dockerfile's FROM: ours builds on the same base. */
const HANDWRITTEN_BASE = 'debian:trixie-slim';

/** The size of the benchmark app's static file, static/100k.txt. */
export const STATIC_FILE_BYTES = 102400;

/** Writes the benchmark app's static file, static/100k.txt, into `staticDir`. */
export function writeStaticFile(staticDir: string): void {
  const line = 'mwe-image benchmark static file, 64 bytes a line..................\n'.slice(0, 64);
  writeFileSync(path.join(staticDir, '100k.txt'), line.repeat(STATIC_FILE_BYTES / line.length));
}

/**
 * The app the build figures build (bench/app/wsgi.py and a static directory)
 * in `work`, with mwe-image build's arguments: the same server as the
 * hand-written Dockerfile's (2 x 5, the static directory aliased) and, like
 * it, no frameworks to install, so that both builds do the same work.
 */
export function buildComparisonApp(work: string): BuildApp {
  const app = path.join(work, 'app');
  const staticDir = path.join(app, 'static');
  mkdirSync(staticDir, { recursive: true });
  const script = path.join(app, 'wsgi.py');
  copyFileSync(path.join(ROOT, 'bench', 'app', 'wsgi.py'), script);
  writeStaticFile(staticDir);
  const args = (tag: string) => [
    script,
    '--tag',
    tag,
    '--base-image',
    HANDWRITTEN_BASE,
    '--processes',
    '2',
    '--threads',
    '5',
    '--url-alias',
    '/static/',
    `${staticDir}/`,
  ];
  return { app, script, args };
}

/** Empties BuildKit's cache mounts (apt downloads, pip, ccache); the layer cache stays. */
async function emptyCacheMounts(): Promise<void> {
  await docker.pruneBuilder({ filters: JSON.stringify({ type: ['exec.cachemount'] }) } as object);
}

/**
 * The base with one file added: its layers are new, so none of our build steps
 * finds a cached layer, while BuildKit's cache mounts (apt's downloads, the
 * compiler cache) stay, as for a user whose layer cache was pruned. A no-cache
 * build would not do: BuildKit empties the cache mounts of a no-cache build too.
 */
async function freshBase(baseImage: string): Promise<{ tag: string; id: string }> {
  const nonce = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`;
  const tag = `mwe-bench/fresh-base:${nonce}`;
  const dockerfile = `FROM ${baseImage}\nCOPY nonce /etc/mwe-bench-nonce\n`;
  const { imageId } = await buildImage(docker, { context: new ContextBuilder().addFile('Dockerfile', dockerfile).addFile('nonce', nonce).toStream(), tag });
  return { tag, id: imageId ?? (await docker.getImage(tag).inspect()).Id };
}

async function removeImages(...tags: string[]): Promise<void> {
  for (const tag of tags)
    await docker
      .getImage(tag)
      .remove({ force: true })
      .catch(() => undefined);
}

/** No layer cache for our images: the toolchain, then the app image on it, on a fresh copy of the base. */
async function oursColdBuild(wanted: ToolchainRequest, bench: BuildApp): Promise<{ toolchainSeconds: number; appSeconds: number }> {
  const base = await freshBase(wanted.baseImage);
  let toolchain: Toolchain | undefined;
  try {
    const start = performance.now();
    toolchain = await ensureToolchain(docker, { ...wanted, baseImage: base.tag, baseImageId: base.id });
    const toolchainSeconds = seconds(start);
    const { app, raw } = parseBuildArgv(['build', ...bench.args(OURS_COLD), '--base-image', base.tag]);
    const plan = planBuild(app, resolveBuildOptions(raw));
    const appStart = performance.now();
    await buildAppImage(docker, plan, toolchain, 'mwe-image build (bench, no layer cache)');
    return { toolchainSeconds, appSeconds: seconds(appStart) };
  } finally {
    await removeImages(OURS_COLD, ...(toolchain ? [toolchain.tag] : []), base.tag);
  }
}

async function handwrittenBuild(app: string, noCache: boolean): Promise<number> {
  return (await handwrittenImage(app, noCache)).seconds;
}

async function handwrittenImage(app: string, noCache: boolean): Promise<{ seconds: number; stepsRun: number; imageId: string }> {
  const start = performance.now();
  const context = new ContextBuilder().addHostPath('Dockerfile', path.join(ROOT, 'bench', 'handwritten', 'Dockerfile')).addHostPath('app', app);
  let stepsRun = 0;
  const { imageId } = await buildImage(docker, {
    context: context.toStream(),
    tag: HANDWRITTEN,
    noCache,
    progress: (line) => {
      stepsRun = stepsRunIn(line) ?? stepsRun;
    },
  });
  return { seconds: seconds(start), stepsRun, imageId: imageId ?? (await docker.getImage(HANDWRITTEN).inspect()).Id };
}

/** The steps a build ran, from its closing line ("Built in 1.2s: 3 steps run, 9 cached"). */
function stepsRunIn(output: string): number | undefined {
  const match = /: (\d+) steps run/.exec(output);
  return match ? Number(match[1]) : undefined;
}

const layersOf = async (image: string): Promise<string[]> => (await docker.getImage(image).inspect()).RootFS.Layers ?? [];

function compareBuilds(first: { id: string; layers: string[] }, second: { id: string; layers: string[] }): Reproducibility['noLayerCache'] {
  const identicalLayers = second.layers.filter((layer, index) => first.layers[index] === layer).length;
  return { identicalLayers, layers: second.layers.length, sameId: first.id === second.id };
}

/** Ours: `mwe-image build` again with nothing changed, then the app image twice on the same toolchain with no layer cache. */
async function oursReproducibility(bench: BuildApp): Promise<Reproducibility> {
  const before = (await docker.getImage(OURS).inspect()).Id;
  const again = await buildWithCli([...bench.args(OURS), '--progress', 'plain']);
  const unchanged = {
    stepsRun: stepsRunIn(again.stderr) ?? Number.NaN,
    sameId: (await docker.getImage(OURS).inspect()).Id === before,
  };
  const first = await buildAppWithoutCache(bench.args(OURS_COLD));
  const second = await buildAppWithoutCache(bench.args(OURS_COLD));
  await removeImages(OURS_COLD);
  return { unchanged, noLayerCache: compareBuilds(first, second) };
}

async function handwrittenReproducibility(app: string): Promise<Reproducibility> {
  const builds: { id: string; layers: string[] }[] = [];
  for (let run = 0; run < 2; run += 1) {
    const { imageId } = await handwrittenImage(app, true);
    builds.push({ id: imageId, layers: await layersOf(imageId) });
  }
  const again = await handwrittenImage(app, false);
  return { unchanged: { stepsRun: again.stepsRun, sameId: again.imageId === builds[1].id }, noLayerCache: compareBuilds(builds[0], builds[1]) };
}

/** Cold and warm builds, interleaved with the hand-written Dockerfile's, and the sizes. */
export async function measureBuilds(bench: BuildApp, repeat: number): Promise<BuildMeasurements> {
  // The toolchain `mwe-image build` picks for these options (its mod_wsgi source resolved and pinned).
  const { raw } = parseBuildArgv(['build', ...bench.args(OURS)]);
  const { request: wanted } = await prepareToolchain(resolveBuildOptions(raw), () => undefined);
  const cold: BuildMeasurements['cold'] = { ours: [], oursToolchain: [], oursApp: [], handwritten: [] };
  const firstBuild: number[] = [];
  for (let run = 0; run < repeat; run += 1) {
    await emptyCacheMounts();
    const first = await oursColdBuild(wanted, bench);
    firstBuild.push(first.toolchainSeconds + first.appSeconds);
    const ours = await oursColdBuild(wanted, bench);
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
  const reproducibility = { ours: await oursReproducibility(bench), handwritten: await handwrittenReproducibility(bench.app) };
  const size = async (tag: string) => (await docker.getImage(tag).inspect()).Size;
  const toolchain = toolchainTag(wanted);
  const sizeBytes = { ours: await size(OURS), handwritten: await size(HANDWRITTEN), floor: await floorSize(wanted.baseImage, toolchain) };
  return { toolchain, cold, firstBuild, warm, reproducibility, sizeBytes };
}

/** The reproducibility rows: an unchanged rebuild, and one with no layer cache. */
function reproducibilityRows({ ours, handwritten }: BuildMeasurements['reproducibility']): ComparisonRow[] {
  const sameId = (same: boolean) => `${same ? 'same' : 'another'} image ID`;
  const row = (figure: string, oursLabel: string, value: (built: Reproducibility) => number, note: (built: Reproducibility) => string): ComparisonRow => ({
    figure,
    ours: oursLabel,
    oursValues: [value(ours)],
    oursNote: ` (${note(ours)})`,
    reference: 'hand-written single-stage Dockerfile',
    referenceValues: [value(handwritten)],
    referenceNote: ` (${note(handwritten)})`,
    digits: 0,
    noRatio: true,
  });
  return [
    row(
      'unchanged rebuild: steps run',
      'mwe-image build',
      (built) => built.unchanged.stepsRun,
      (built) => sameId(built.unchanged.sameId),
    ),
    row(
      'rebuilt with no layer cache (twice): identical layers',
      'app image on the same toolchain',
      (built) => built.noLayerCache.identicalLayers,
      (built) => `of ${built.noLayerCache.layers}, ${sameId(built.noLayerCache.sameId)}`,
    ),
  ];
}

/** The build figures' rows, the same in both tables (bench:build's and npm run bench's). */
export function buildRows(measured: BuildMeasurements): ComparisonRow[] {
  const { cold, warm, sizeBytes } = measured;
  const handwritten = 'hand-written single-stage Dockerfile';
  const megabytes = (bytes: number) => [bytes / 2 ** 20];
  return [
    {
      figure: 'cold build s (no layer cache)',
      ours: 'toolchain + app image',
      oursValues: cold.ours,
      reference: handwritten,
      referenceValues: cold.handwritten,
      digits: 1,
    },
    {
      figure: "first build s (no layer cache, BuildKit's cache mounts emptied too)",
      ours: 'toolchain + app image',
      oursValues: measured.firstBuild,
      reference: handwritten,
      referenceValues: cold.handwritten,
      digits: 1,
    },
    {
      figure: 'warm rebuild s (one-line app change)',
      ours: 'mwe-image build (whole CLI run)',
      oursValues: warm.ours,
      reference: handwritten,
      referenceValues: warm.handwritten,
      digits: 2,
    },
    ...reproducibilityRows(measured.reproducibility),
    {
      figure: 'image size MB',
      ours: 'app image',
      oursValues: megabytes(sizeBytes.ours),
      reference: 'hand-written single-stage image',
      referenceValues: megabytes(sizeBytes.handwritten),
      digits: 1,
    },
    {
      figure: 'image size MB',
      ours: 'app image',
      oursValues: megabytes(sizeBytes.ours),
      reference: 'floor: base + runtime packages',
      referenceValues: megabytes(sizeBytes.floor),
      digits: 1,
    },
  ];
}

async function main(): Promise<void> {
  const repeat = numberArgument('repeat', 3);
  const work = mkdtempSync(path.join(os.tmpdir(), 'mwe-bench-build-'));
  const load = sampleLoad();
  try {
    const measured = await measureBuilds(buildComparisonApp(work), repeat);
    const { cold } = measured;
    const [coldRow, ...laterRows] = buildRows(measured);
    const rows = [
      comparisonCells(coldRow),
      ['  of which', 'toolchain', formatStats(cold.oursToolchain, 1), '', '', ''],
      ['  of which', 'app image (assembly, root filesystem, config)', formatStats(cold.oursApp, 1), '', '', ''],
      ...laterRows.map(comparisonCells),
    ];
    const loadAverage = load();
    report(
      'build',
      `Builds side by side, median (min–max) of ${repeat} interleaved runs; ratios per pair. Load average during the run ${formatStats(loadAverage, 1)} (the builds' own load and any other work on the machine).`,
      ['figure', 'ours', 'ours: median (min–max)', 'reference', 'reference: median (min–max)', 'ours / reference'],
      rows,
      { repeat, ...measured, loadAverageDuringRun: loadAverage },
    );
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

runWhenMain(import.meta.url, main);
