/**
 * Build benchmark: cold toolchain builds (no layer cache), a warm rebuild of
 * an app after a one-line change on a cached toolchain, and the runtime image
 * size against its floor (the same base with only the Apache and Python
 * runtime packages installed). Prints a markdown table, writes
 * bench/results/build.json. Numbers, not a test.
 *
 *   npm run bench:build [-- --repeat 3] [-- --with-source-python] [-- --with-source-apache]
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseApacheSource } from '../src/apache-source.js';
import { ensureBaseImage } from '../src/base.js';
import { buildImage } from '../src/docker/build-stream.js';
import { ContextBuilder } from '../src/docker/context.js';
import { readImagePath } from '../src/docker/image-files.js';
import { parseModWsgiSource } from '../src/mod-wsgi-source.js';
import { parsePythonSource } from '../src/python-source.js';
import { ensureToolchain, type ToolchainRequest } from '../src/toolchain.js';
import { buildWithCli, docker } from '../test/helpers/docker.js';
import { example } from '../test/helpers/paths.js';
import { formatStats, numberArgument, report, runWhenMain, seconds } from './report.js';

const repeat = numberArgument('repeat', 3);

interface Combination {
  name: string;
  baseImage: string;
  python?: string;
  apache?: string;
  modWsgi: string;
}

const COMBINATIONS: Combination[] = [
  { name: 'trixie, Python 3.13, mod_wsgi 5.0.2', baseImage: 'debian:trixie-slim', modWsgi: 'debian' },
  { name: 'bookworm, Python 3.11, mod_wsgi 5.0.2', baseImage: 'debian:bookworm-slim', modWsgi: 'debian:5.0.2' },
  ...(process.argv.includes('--with-source-python')
    ? [{ name: 'trixie, CPython 3.13t from source, mod_wsgi 5.0.2', baseImage: 'debian:trixie-slim', python: '3.13t', modWsgi: 'debian' }]
    : []),
  ...(process.argv.includes('--with-source-apache')
    ? [{ name: 'trixie, Python 3.13, Apache httpd from source, mod_wsgi 5.0.2', baseImage: 'debian:trixie-slim', apache: 'source', modWsgi: 'debian' }]
    : []),
];

export const mb = (bytes: number) => (bytes / 2 ** 20).toFixed(1);

export async function toolchainRequest(combination: Combination): Promise<ToolchainRequest> {
  return {
    baseImage: combination.baseImage,
    baseImageId: await ensureBaseImage(docker, combination.baseImage),
    modWsgi: parseModWsgiSource(combination.modWsgi),
    python: parsePythonSource(combination.python, undefined),
    apache: parseApacheSource(combination.apache),
  };
}

/** The floor: the base with only the runtime packages the toolchain names. */
export async function floorSize(baseImage: string, toolchainTag: string): Promise<number> {
  const [list] = await readImagePath(docker, toolchainTag, '/out/usr/local/lib/mwe-image/runtime-packages.txt');
  const dockerfile = [
    `FROM ${baseImage}`,
    `RUN apt-get update && apt-get install -y --no-install-recommends ${list.content.toString().trim()} && rm -rf /var/lib/apt/lists/*`,
  ].join('\n');
  const tag = `mwe-bench/floor:${toolchainTag.split(':')[1]}`;
  await buildImage(docker, { context: new ContextBuilder().addFile('Dockerfile', dockerfile).toStream(), tag });
  return (await docker.getImage(tag).inspect()).Size;
}

async function main(): Promise<void> {
  const rows: string[][] = [];
  const results: Record<string, unknown>[] = [];
  for (const combination of COMBINATIONS) {
    const wanted = await toolchainRequest(combination);
    const cold: number[] = [];
    let toolchain = await ensureToolchain(docker, wanted);
    for (let run = 0; run < (combination.python ? 1 : repeat); run += 1) {
      const start = performance.now();
      toolchain = await ensureToolchain(docker, wanted, undefined, true);
      cold.push(seconds(start));
    }
    const work = mkdtempSync(path.join(os.tmpdir(), 'mwe-bench-'));
    const warm: number[] = [];
    let imageSize = 0;
    try {
      cpSync(example('hello'), work, { recursive: true });
      const script = path.join(work, 'wsgi.py');
      const options = ['--base-image', combination.baseImage, '--mod-wsgi', combination.modWsgi, ...(combination.python ? ['--python', combination.python] : [])];
      await buildWithCli([script, '--tag', 'mwe-bench/hello', ...options]);
      for (let run = 0; run < repeat; run += 1) {
        writeFileSync(script, `${readFileSync(script, 'utf8')}\n# change ${run} ${Date.now()}\n`);
        const start = performance.now();
        await buildWithCli([script, '--tag', 'mwe-bench/hello', ...options]);
        warm.push(seconds(start));
      }
      imageSize = (await docker.getImage('mwe-bench/hello').inspect()).Size;
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
    const floor = await floorSize(combination.baseImage, toolchain.tag);
    const toolchainSize = (await docker.getImage(toolchain.tag).inspect()).Size;
    results.push({ combination: combination.name, toolchain: toolchain.tag, coldToolchainSeconds: cold, warmAppRebuildSeconds: warm,
      toolchainBytes: toolchainSize, imageBytes: imageSize, floorBytes: floor });
    rows.push([combination.name, formatStats(cold, 1), formatStats(warm, 1), mb(toolchainSize), mb(imageSize), mb(floor), (imageSize / floor).toFixed(3)]);
  }
  report('build', `Builds, median (min–max) of ${repeat} runs (one for a source-built Python).`,
    ['combination', 'cold toolchain s', 'warm app rebuild s', 'toolchain MB', 'app image MB', 'floor MB', 'image / floor'],
    rows, { repeat, results });
}

runWhenMain(import.meta.url, main);
