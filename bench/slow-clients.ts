/**
 * Slow clients (issue #13): 150 connections that send their headers a line a
 * second (slow loris) held for 20 s, and one normal GET / every 200 ms
 * meanwhile, timed. Apache reads headers in worker threads, so the size of
 * its worker pool decides whether the normal requests wait. Compared:
 *
 * - ours: the app image of bench/app/wsgi.py with the default options, on the
 *   host network (the slow connections reach Apache's socket, not docker-proxy);
 * - ours with MWE_MAX_CLIENTS=200: mod_wsgi-express's layout for 200 workers
 *   (children of 18 threads, 2 started, more added a second at a time);
 * - mod_wsgi-express on the host (mod_wsgi from PyPI in the version the
 *   default toolchain compiled, scripts/reference-express.sh), its defaults.
 *
 * Also the container's working set (usage without inactive page cache) idle
 * and at its highest during the hold: what the worker pool costs.
 *
 *   npm run bench:slow-clients [-- --repeat 3] [-- --image TAG]
 *
 * --image measures that image as "ours" instead of building one. Prints a
 * markdown table, writes bench/results/slow-clients.json. Numbers, not a test.
 */
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type Docker from 'dockerode';
import { parseBuildArgv } from '../src/cli.js';
import { prepareToolchain } from '../src/pipeline.js';
import { resolveBuildOptions } from '../src/options.js';
import { buildWithCli, removeContainer, startOnHostNetwork } from '../test/helpers/docker.js';
import { ROOT } from '../test/helpers/paths.js';
import { holdSlowClients, probeWhile, type Probe } from '../test/helpers/slow-clients.js';
import { formatStats, numberArgument, report, runWhenMain, sleep, stats } from './report.js';
import { referenceExpress, startExpress, untilOk } from './servers.js';

const repeat = numberArgument('repeat', 3);
const imageArgument = process.argv.includes('--image') ? process.argv[process.argv.indexOf('--image') + 1] : undefined;
const SLOW = 150;
const HOLD_SECONDS = 20;
const OURS = 'mwe-bench/slow-clients';
const SCRIPT = path.join(ROOT, 'bench', 'app', 'wsgi.py');

interface Sample {
  probes: number;
  failed: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  reopened: number;
  idleMiB?: number;
  peakMiB?: number;
}

interface Target {
  port: number;
  url: string;
  container?: Docker.Container;
  close: () => Promise<void>;
}

const MiB = 2 ** 20;

/** The container's working set as docker stats shows it: usage without the inactive page cache. */
async function workingSetMiB(container: Docker.Container): Promise<number> {
  const info = (await container.stats({ stream: false })) as Docker.ContainerStats;
  const memory = info.memory_stats as { usage: number; stats: Record<string, number> };
  return (memory.usage - (memory.stats.total_inactive_file ?? memory.stats.inactive_file ?? 0)) / MiB;
}

const percentile = (sorted: number[], share: number): number => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * share))];

async function measure(target: Target): Promise<Sample> {
  await untilOk(`${target.url}/`, performance.now());
  await sleep(2000); // idle: the spare workers Apache keeps
  const idleMiB = target.container ? await workingSetMiB(target.container) : undefined;
  const slow = holdSlowClients(target.port, SLOW, HOLD_SECONDS);
  let peakMiB = idleMiB;
  let holding = true;
  const sampling = (async () => {
    while (target.container && holding) {
      peakMiB = Math.max(peakMiB ?? 0, await workingSetMiB(target.container));
      await sleep(1000);
    }
  })();
  await slow.ready;
  const probes: Probe[] = await probeWhile(`${target.url}/`, slow.done, slow);
  holding = false;
  await sampling;
  const latencies = probes
    .filter((probe) => probe.status === 200)
    .map((probe) => probe.latencyMs)
    .sort((a, b) => a - b);
  return {
    probes: latencies.length,
    failed: probes.length - latencies.length,
    p50Ms: percentile(latencies, 0.5) ?? NaN,
    p99Ms: percentile(latencies, 0.99) ?? NaN,
    maxMs: latencies[latencies.length - 1] ?? NaN,
    reopened: slow.closedByServer(),
    idleMiB,
    peakMiB,
  };
}

async function containerTarget(image: string, env: string[] = []): Promise<Target> {
  const running = await startOnHostNetwork(image, env);
  return { port: running.port, url: running.url('').replace(/\/$/, ''), container: running.container, close: () => removeContainer(running) };
}

async function main(): Promise<void> {
  const work = mkdtempSync(path.join(os.tmpdir(), 'mwe-bench-slow-'));
  chmodSync(work, 0o755); // the host's Apache children (www-data) read the server root
  try {
    const { raw } = parseBuildArgv(['build', SCRIPT, '--tag', OURS]);
    const { toolchain } = await prepareToolchain(resolveBuildOptions(raw), () => undefined);
    const image = imageArgument ?? OURS;
    if (!imageArgument) await buildWithCli([SCRIPT, '--tag', OURS]);
    const express = referenceExpress(toolchain.facts.modWsgiVersion);
    const variants: [string, () => Promise<Target>][] = [
      [`ours (${image}), defaults`, () => containerTarget(image)],
      ['ours, MWE_MAX_CLIENTS=200 (express layout: 18 threads a child, 2 started)', () => containerTarget(image, ['MWE_MAX_CLIENTS=200'])],
      [
        `mod_wsgi-express ${toolchain.facts.modWsgiVersion} on the host, defaults`,
        async () => {
          const server = startExpress(express, SCRIPT, [], path.join(work, 'express'));
          return {
            port: Number(new URL(server.url).port),
            url: server.url,
            close: async () => {
              await server.stop();
              server.kill();
            },
          };
        },
      ],
    ];
    const samples: Record<string, Sample[]> = Object.fromEntries(variants.map(([name]) => [name, []]));
    for (let run = 0; run < repeat; run += 1) {
      for (const [name, start] of variants) {
        const target = await start();
        try {
          samples[name].push(await measure(target));
        } finally {
          await target.close();
        }
      }
    }
    const rows = variants.map(([name]) => {
      const runs = samples[name];
      const column = (key: keyof Sample, digits = 0) =>
        runs.every((run) => run[key] !== undefined)
          ? formatStats(
              runs.map((run) => run[key] as number),
              digits,
            )
          : 'n/a';
      return [name, column('probes'), column('failed'), column('p50Ms'), column('p99Ms'), column('maxMs'), column('idleMiB', 1), column('peakMiB', 1)];
    });
    report(
      'slow-clients',
      `${SLOW} slow-header connections held ${HOLD_SECONDS} s (a header line a second, reopened when closed), one GET / every 200 ms meanwhile; ` +
        `${repeat} runs each, median (min–max).`,
      ['server', 'requests answered', 'failed', 'p50 ms', 'p99 ms', 'max ms', 'idle working set MiB', 'peak working set MiB'],
      rows,
      {
        slow: SLOW,
        holdSeconds: HOLD_SECONDS,
        repeat,
        image,
        samples,
        summary: Object.fromEntries(Object.entries(samples).map(([name, runs]) => [name, stats(runs.map((run) => run.maxMs))])),
      },
    );
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

runWhenMain(import.meta.url, main);
