/**
 * Runtime benchmark: mwe-entrypoint as PID 1 against tini (Debian's package)
 * as PID 1 in the same image. Prints a markdown table of min/median/max and
 * writes bench/results/runtime.json. Not a test: numbers only.
 *
 *   npm run bench:runtime [-- --repeat 5]
 */
import { buildImage } from '../src/docker/build-stream.js';
import { ContextBuilder } from '../src/docker/context.js';
import { buildWithCli, docker, execIn, httpGet, removeContainer, startContainer, waitForHttp } from '../test/helpers/docker.js';
import { fixture } from '../test/helpers/paths.js';
import { report } from './report.js';

const APP = 'mwe-bench/app';
const TINI = 'mwe-bench/app-tini';
const repeat = Number(process.argv[process.argv.indexOf('--repeat') + 1]) || 5;

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

const now = () => performance.now();
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Sample {
  startToFirst200Ms: number;
  pid1RssKb: number;
  stopWithSlowRequestMs: number;
  slowRequestCompleted: boolean;
}

async function measure(variant: Variant): Promise<Sample> {
  const started = now();
  const server = await startContainer(variant.image);
  try {
    let response = await waitForHttp(server.url('/'), 60);
    while (response.status !== 200) response = await waitForHttp(server.url('/'), 60);
    const startToFirst200Ms = now() - started;
    const status = await execIn(server.container, ['cat', '/proc/1/status']);
    const pid1RssKb = Number(/VmRSS:\s+(\d+)/.exec(status.output)?.[1] ?? NaN);
    const slow = httpGet(server.url('/slow?seconds=2'), 30000).then((r) => r.status === 200, () => false);
    await sleep(300);
    const stopping = now();
    await server.container.stop({ t: 30 });
    const stopWithSlowRequestMs = now() - stopping;
    return { startToFirst200Ms, pid1RssKb, stopWithSlowRequestMs, slowRequestCompleted: await slow };
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

function stats(values: number[]): { min: number; median: number; max: number } {
  const sorted = [...values].sort((a, b) => a - b);
  return { min: sorted[0], median: sorted[Math.floor(sorted.length / 2)], max: sorted[sorted.length - 1] };
}

const fmt = (value: { min: number; median: number; max: number }, digits = 0) =>
  `${value.median.toFixed(digits)} (${value.min.toFixed(digits)}–${value.max.toFixed(digits)})`;

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
    rows.push([variant.name, String(result.pid1BinaryBytes), fmt(result.pid1RssKb), fmt(result.startToFirst200Ms), fmt(result.stopWithSlowRequestMs), result.slowRequestsCompleted]);
  }
  report('runtime', `PID 1 of the same app image, ${repeat} runs each, median (min–max).`,
    ['PID 1', 'binary bytes', 'PID 1 RSS KiB', 'docker start → first 200 ms', 'docker stop with a 2 s request in flight ms', '2 s request completed'],
    rows, { repeat, results });
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
