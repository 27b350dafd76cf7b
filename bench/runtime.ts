/**
 * Runtime benchmark: mwe-entrypoint as PID 1 against tini (Debian's package)
 * as PID 1 in the same image. Prints a markdown table of min/median/max and
 * writes bench/results/runtime.json. Not a test: numbers only.
 *
 *   npm run bench:runtime [-- --repeat 5]
 */
import { buildImage } from '../src/docker/build-stream.js';
import { ContextBuilder } from '../src/docker/context.js';
import { buildWithCli, docker, execIn, removeContainer, startContainer } from '../test/helpers/docker.js';
import { fixture } from '../test/helpers/paths.js';
import { formatStats, numberArgument, report, runWhenMain, stats } from './report.js';
import { stopWithSlowRequest, untilOk } from './servers.js';

const APP = 'mwe-bench/app';
const TINI = 'mwe-bench/app-tini';
const repeat = numberArgument('repeat', 5);

interface Variant {
  name: string;
  image: string;
  pid1Binary: string;
}

const VARIANTS: Variant[] = [
  { name: 'mwe-entrypoint', image: APP, pid1Binary: '/usr/local/bin/mwe-entrypoint' },
  { name: 'tini (Debian)', image: TINI, pid1Binary: '/usr/bin/tini' },
];

async function prepareImages(): Promise<void> {
  await buildWithCli([fixture('app', 'wsgi.py'), '--tag', APP]);
  const dockerfile = [
    `FROM ${APP}`,
    'USER root',
    'RUN apt-get update && apt-get install -y --no-install-recommends tini && rm -rf /var/lib/apt/lists/*',
    'USER 10001:0',
    'ENTRYPOINT ["/usr/bin/tini", "--", "/usr/local/bin/mwe-entrypoint"]',
  ].join('\n');
  await buildImage(docker, { context: new ContextBuilder().addFile('Dockerfile', dockerfile).toStream(), tag: TINI });
}

interface Sample {
  startToFirst200Ms: number;
  pid1RssKb: number;
  stopWithSlowRequestMs: number;
  slowRequestCompleted: boolean;
}

async function measure(variant: Variant): Promise<Sample> {
  const started = performance.now();
  const server = await startContainer(variant.image);
  try {
    const startToFirst200Ms = await untilOk(server.url('/'), started);
    const status = await execIn(server.container, ['cat', '/proc/1/status']);
    const pid1RssKb = Number(/VmRSS:\s+(\d+)/.exec(status.output)?.[1] ?? NaN);
    const stop = await stopWithSlowRequest(server.url(''), async () => {
      await server.container.stop({ t: 30 });
    });
    return { startToFirst200Ms, pid1RssKb, stopWithSlowRequestMs: stop.stopMs, slowRequestCompleted: stop.slowRequestCompleted };
  } finally {
    await removeContainer(server);
  }
}

async function binarySize(variant: Variant): Promise<number> {
  const container = await docker.createContainer({ Image: variant.image, Entrypoint: ['stat', '-L', '-c', '%s', variant.pid1Binary] });
  try {
    await container.start();
    await container.wait();
    return Number((await container.logs({ stdout: true })).toString().replace(/[^\d]/g, ''));
  } finally {
    await container.remove({ force: true });
  }
}

async function main(): Promise<void> {
  await prepareImages();
  const results: Record<string, unknown>[] = [];
  const rows: string[][] = [];
  for (const variant of VARIANTS) {
    const samples: Sample[] = [];
    for (let run = 0; run < repeat; run += 1) samples.push(await measure(variant));
    const result = {
      variant: variant.name,
      pid1BinaryBytes: await binarySize(variant),
      pid1RssKb: stats(samples.map((s) => s.pid1RssKb)),
      startToFirst200Ms: stats(samples.map((s) => s.startToFirst200Ms)),
      stopWithSlowRequestMs: stats(samples.map((s) => s.stopWithSlowRequestMs)),
      slowRequestsCompleted: `${samples.filter((s) => s.slowRequestCompleted).length}/${samples.length}`,
    };
    results.push(result);
    rows.push([
      variant.name,
      String(result.pid1BinaryBytes),
      formatStats(result.pid1RssKb),
      formatStats(result.startToFirst200Ms),
      formatStats(result.stopWithSlowRequestMs),
      result.slowRequestsCompleted,
    ]);
  }
  report(
    'runtime',
    `PID 1 of the same app image, ${repeat} runs each, median (min–max).`,
    ['PID 1', 'binary bytes', 'PID 1 RSS KiB', 'docker start → first 200 ms', 'docker stop with a 2 s request in flight ms', '2 s request completed'],
    rows,
    { repeat, results },
  );
}

runWhenMain(import.meta.url, main);
