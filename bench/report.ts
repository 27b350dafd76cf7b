/** How a benchmark reports: a markdown table on stdout and bench/results/NAME.json, plus the shared statistics. */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { ROOT } from '../test/helpers/paths.js';

export function machineDescription(): string {
  return `${os.cpus().length} x ${os.cpus()[0]?.model ?? 'cpu'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, ${os.platform()} ${os.release()}`;
}

export interface Stats {
  min: number;
  median: number;
  max: number;
}

export function stats(values: number[]): Stats {
  const sorted = [...values].sort((a, b) => a - b);
  return { min: sorted[0], median: sorted[Math.floor(sorted.length / 2)], max: sorted[sorted.length - 1] };
}

/** "median (min–max)", or just the value when all runs agree. */
export function formatStats(values: number[] | Stats, digits = 0): string {
  const value = Array.isArray(values) ? stats(values) : values;
  const median = value.median.toFixed(digits);
  const min = value.min.toFixed(digits);
  const max = value.max.toFixed(digits);
  return min === max ? median : `${median} (${min}–${max})`;
}

/** Per-run ratios of paired samples (ours[i] / reference[i], measured in the same repetition). */
export function pairedRatios(ours: number[], reference: number[]): number[] {
  return ours.map((value, index) => value / reference[index]);
}

/** Command line option `--NAME N` as a positive number, or the default. */
export function numberArgument(name: string, fallback: number): number {
  const index = process.argv.indexOf(`--${name}`);
  return (index >= 0 && Number(process.argv[index + 1])) || fallback;
}

/** Command line option `--NAME a,b,c` as a list, or the default. */
export function listArgument(name: string, fallback: string[]): string[] {
  const index = process.argv.indexOf(`--${name}`);
  return index >= 0 && process.argv[index + 1]
    ? process.argv[index + 1]
        .split(',')
        .map((item) => item.trim())
        .filter(Boolean)
    : fallback;
}

/** Runs `main` when this module is the script node was started with (not when it is imported). */
export function runWhenMain(moduleUrl: string, main: () => Promise<void>): void {
  if (!process.argv[1] || moduleUrl !== pathToFileURL(path.resolve(process.argv[1])).href) return;
  main().catch((error) => {
    console.error(error);
    process.exitCode = 1;
  });
}

export const seconds = (start: number): number => (performance.now() - start) / 1000;
export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Samples the 1-minute load average every 10 s until stopped: other work on the machine skews the figures. */
export function sampleLoad(): () => Stats {
  const samples = [os.loadavg()[0]];
  const timer = setInterval(() => samples.push(os.loadavg()[0]), 10000);
  timer.unref();
  return () => {
    clearInterval(timer);
    samples.push(os.loadavg()[0]);
    return stats(samples);
  };
}

export function report(name: string, caption: string, header: string[], rows: string[][], data: Record<string, unknown>): void {
  const machine = machineDescription();
  console.log(
    [
      `${caption} Machine: ${machine}; load average ${os
        .loadavg()
        .map((load) => load.toFixed(2))
        .join(' ')} at the end.`,
      '',
      `| ${header.join(' | ')} |`,
      `| ${header.map(() => '---').join(' | ')} |`,
      ...rows.map((row) => `| ${row.join(' | ')} |`),
    ].join('\n'),
  );
  const out = path.join(ROOT, 'bench', 'results');
  mkdirSync(out, { recursive: true });
  writeFileSync(
    path.join(out, `${name}.json`),
    `${JSON.stringify({ date: new Date().toISOString(), machine, loadAverage: os.loadavg(), ...data }, null, 2)}\n`,
  );
}

// ---------------------------------------------------------------- throughput table and the README

/** One server on one endpoint and network, every repetition's figures. */
export interface ThroughputRow {
  endpoint: string;
  server: string;
  serverId: string;
  network: string;
  requestsPerSecond: number[];
  p50Ms: number[];
  p99Ms: number[];
  /** From the server's cgroup; absent where it could not be read. */
  cpuSecondsPer10k?: number[];
  /** Ours / this server, per repetition (ours measured in the same repetition on the same network). */
  oursOverIt: { requestsPerSecond?: number[]; p99Ms?: number[]; cpuSecondsPer10k?: number[] };
  errors: string;
}

/**
 * Why a peer beats ours where it does, from the profiles (bench/README's
 * analysis), keyed "serverId|endpoint" or "serverId|*". A win without an
 * entry here is printed as not yet explained.
 */
export const WHY_PEER_WINS: Record<string, string> = {
  'granian|*':
    "it parses HTTP and calls the app in one process (Rust, no hop), where Apache hands each request over a Unix socket to a mod_wsgi daemon process (about 8 context switches and 70 system calls a request, mod_wsgi-express the same), and it runs Python in Debian's python3 executable (built with PGO and LTO), where mod_wsgi embeds libpython3.13.so (-O2: 1.4x the CPU on a pure-Python loop, measured in the toolchain)",
  'uwsgi|*':
    "it parses HTTP in the worker that runs the app (no hop to a daemon process); like ours it embeds libpython3.13.so, so it does not win where the app's own Python dominates (Django)",
  'gunicorn-gthread|*':
    "no hop to a daemon process, and Python in Debian's python3 executable (PGO and LTO) where mod_wsgi embeds libpython3.13.so (-O2, 1.4x the CPU on a pure-Python loop)",
  'gunicorn-sync|*':
    'no hop to a daemon process and the python3 executable (PGO and LTO); its single-threaded workers close every connection, which costs it requests/s',
  'ours-pgo|*': "the same image with CPython built with PGO and LTO (--python-pgo) instead of Debian's libpython3.13.so (-O2): the app's own Python costs less",
  'ours-embedded|*': "the same image with --embedded-mode: Apache's worker threads run the app, with no hop over a Unix socket to a daemon process",
  'ours-pgo-embedded|*': 'both: CPython with PGO and LTO, run in the Apache worker threads (no daemon hop)',
  'ours-affinity|*':
    "the same image with --cpu-affinity: each daemon process and its threads on one CPU, so Apache's handoffs between threads (the GIL's turns) find that core's caches warm",
  'ours-pgo-embedded-affinity|*': "all three: CPython with PGO and LTO, in Apache's worker threads, each Apache child and its threads on one CPU",
  'express|*':
    'the same Apache and mod_wsgi design outside a container: no seccomp filter on its system calls and no overlay file system under its file checks, Python 3.11 and Apache 2.4 from the host (Debian 12)',
};

const ratioCell = (values: number[] | undefined) => (values?.length ? formatStats(values, 2) : 'n/a');
const median = (values: number[] | undefined) => (values?.length ? stats(values).median : undefined);

/** What a peer wins in this row (ratios taken as medians), with the reason when known. */
function wins(row: ThroughputRow): string {
  if (row.serverId === 'ours') return '';
  const won: string[] = [];
  if ((median(row.oursOverIt.requestsPerSecond) ?? 1) < 1) won.push('requests/s');
  if ((median(row.oursOverIt.p99Ms) ?? 1) > 1) won.push('p99');
  if ((median(row.oursOverIt.cpuSecondsPer10k) ?? 1) > 1) won.push('CPU');
  if (!won.length) return '';
  const why = WHY_PEER_WINS[`${row.serverId}|${row.endpoint}`] ?? WHY_PEER_WINS[`${row.serverId}|*`] ?? 'not yet explained';
  return `${row.server} wins ${won.join(', ')}: ${why}`;
}

export function throughputTable(rows: ThroughputRow[]): string {
  const header = [
    'network',
    'endpoint',
    'server',
    'requests/s',
    'ours ÷ it, requests/s',
    'p50 ms',
    'p99 ms',
    'ours ÷ it, p99',
    'CPU s per 10k requests',
    'ours ÷ it, CPU',
    'note',
  ];
  const lines = rows.map((row) => [
    row.network,
    row.endpoint,
    row.server,
    formatStats(row.requestsPerSecond),
    row.serverId === 'ours' ? '' : ratioCell(row.oursOverIt.requestsPerSecond),
    formatStats(row.p50Ms, 2),
    formatStats(row.p99Ms, 2),
    row.serverId === 'ours' ? '' : ratioCell(row.oursOverIt.p99Ms),
    row.cpuSecondsPer10k ? formatStats(row.cpuSecondsPer10k, 2) : 'n/a',
    row.serverId === 'ours' ? '' : ratioCell(row.oursOverIt.cpuSecondsPer10k),
    [row.errors, wins(row)].filter(Boolean).join('; '),
  ]);
  return markdownTable(header, lines);
}

export function markdownTable(header: string[], rows: string[][]): string {
  return [`| ${header.join(' | ')} |`, `| ${header.map(() => '---').join(' | ')} |`, ...rows.map((row) => `| ${row.join(' | ')} |`)].join('\n');
}

/** One figure of ours against a reference, with the raw values of each repetition. */
export interface ComparisonRow {
  figure: string;
  ours: string;
  oursValues: number[];
  reference: string;
  referenceValues: number[];
  digits: number;
  /** Appended to both value cells, e.g. how many slow requests completed. */
  oursNote?: string;
  referenceNote?: string;
  /** Counts, not amounts: no ratio column. */
  noRatio?: boolean;
}

interface CompareResults {
  date: string;
  machine: string;
  loadDuringRun?: Stats;
  repeat: number;
  durationSeconds: number;
  cpus: number;
  connections: number;
  processes: number;
  threads: number;
  expressVersion: string;
  throughput?: ThroughputRow[];
  start?: Record<string, number[]>;
  rows?: ComparisonRow[];
}

// ---------------------------------------------------------------- issue #18's targets

const HOST = 'host network';
const PEER_IDS = ['gunicorn-sync', 'gunicorn-gthread', 'uwsgi', 'granian'];
const isOurs = (serverId: string) => serverId === 'ours' || serverId.startsWith('ours-');

interface Target {
  what: string;
  endpoint: string;
  /** The per-repetition figure of one of our rows, or undefined where the run lacks what it needs. */
  ratio: (ours: ThroughputRow, find: (serverId: string, endpoint: string) => ThroughputRow | undefined) => number[] | undefined;
  holds: (median: number) => boolean;
}

const paired = (ours: number[] | undefined, reference: number[] | undefined) => (ours && reference ? pairedRatios(ours, reference) : undefined);

/** The peer with the best median of a figure on an endpoint (lowest CPU, or most requests/s). */
function bestPeer(find: (serverId: string, endpoint: string) => ThroughputRow | undefined, endpoint: string, figure: 'cpuSecondsPer10k' | 'requestsPerSecond') {
  const peers = PEER_IDS.map((id) => find(id, endpoint)).filter((row): row is ThroughputRow => Boolean(row?.[figure]?.length));
  const score = (row: ThroughputRow) => stats(row[figure] as number[]).median * (figure === 'cpuSecondsPer10k' ? 1 : -1);
  return peers.sort((a, b) => score(a) - score(b))[0];
}

function targets(expressName: string): Target[] {
  const versusExpress = (endpoint: string): Target[] => [
    {
      what: `requests/s ≥ 1.2x ${expressName} (same processes and threads)`,
      endpoint,
      ratio: (ours, find) => paired(ours.requestsPerSecond, find('express', endpoint)?.requestsPerSecond),
      holds: (median) => median >= 1.2,
    },
    {
      what: `p99 ≤ 1.2x ${expressName}'s`,
      endpoint,
      ratio: (ours, find) => paired(ours.p99Ms, find('express', endpoint)?.p99Ms),
      holds: (median) => median <= 1.2,
    },
  ];
  const versusPeers = (endpoint: string): Target[] => [
    {
      what: 'CPU per request ≤ the most frugal peer',
      endpoint,
      ratio: (ours, find) => paired(ours.cpuSecondsPer10k, bestPeer(find, endpoint, 'cpuSecondsPer10k')?.cpuSecondsPer10k),
      holds: (median) => median <= 1,
    },
    {
      what: 'requests/s ≥ the fastest peer (same CPU quota)',
      endpoint,
      ratio: (ours, find) => paired(ours.requestsPerSecond, bestPeer(find, endpoint, 'requestsPerSecond')?.requestsPerSecond),
      holds: (median) => median >= 1,
    },
  ];
  return [
    ...['hello world', 'Flask JSON', 'Django template page'].flatMap(versusExpress),
    ...['Flask JSON', 'Django template page'].flatMap(versusPeers),
    {
      what: "WSGI hello ≥ 0.85 of the same image's 12 B static file",
      endpoint: 'hello world',
      ratio: (ours, find) => paired(ours.requestsPerSecond, find(ours.serverId, 'hello world as a 12 B static file')?.requestsPerSecond),
      holds: (median) => median >= 0.85,
    },
  ];
}

/** Issue #18's targets on the host network: a column per build of ours that ran, each cell the ratio median (min–max) and whether it holds. */
export function targetsTable(rows: ThroughputRow[], expressName: string): string {
  const hostRows = rows.filter((row) => row.network === HOST);
  const find = (serverId: string, endpoint: string) => hostRows.find((row) => row.serverId === serverId && row.endpoint === endpoint);
  const variants = [...new Map(hostRows.filter((row) => isOurs(row.serverId)).map((row) => [row.serverId, row.server])).entries()];
  if (!variants.length) return '';
  const lines = targets(expressName).map((target) => [
    target.what,
    target.endpoint,
    ...variants.map(([serverId]) => {
      const ours = find(serverId, target.endpoint);
      const ratio = ours && target.ratio(ours, find);
      if (!ratio?.length || ratio.some((value) => !Number.isFinite(value))) return 'n/a';
      return `${formatStats(ratio, 2)} ${target.holds(stats(ratio).median) ? 'met' : 'not met'}`;
    }),
  ]);
  return markdownTable(['target (host network)', 'endpoint', ...variants.map(([, name]) => `${name}: ratio`)], lines);
}

/** Our WSGI hello world over the same Apache's 12-byte static file, per repetition. */
function ceiling(rows: ThroughputRow[]): string {
  const hello = rows.find((row) => row.serverId === 'ours' && row.network === 'host network' && row.endpoint === 'hello world');
  const file = rows.find((row) => row.serverId === 'ours' && row.network === 'host network' && row.endpoint.startsWith('hello world as a'));
  if (!hello || !file) return '';
  return (
    `Our WSGI hello world serves ${formatStats(pairedRatios(hello.requestsPerSecond, file.requestsPerSecond), 2)} of the requests/s ` +
    'the same Apache serves for the same 12 bytes as a static file (host network).'
  );
}

/** The README's benchmark section body, from bench/results/compare.json. */
export function readmeSection(results: CompareResults): string {
  const cores = Number(/^(\d+) x/.exec(results.machine)?.[1] ?? 0);
  const loaded =
    results.loadDuringRun && cores && results.loadDuringRun.median > cores
      ? " (more runnable work than cores, the benchmark's own wrk, servers and builds included, so absolute figures are noisy; the ratios were measured side by side)"
      : '';
  const load = results.loadDuringRun ? `; 1-minute load average during the run ${formatStats(results.loadDuringRun, 1)}${loaded}` : '';
  const lines = [
    `Latest run, ${results.date.slice(0, 10)}, on ${results.machine}${load}; ${results.repeat} interleaved repetitions of ` +
      `${results.durationSeconds} s per figure, wrk -t 2 -c ${results.connections} on 127.0.0.1, every server with ${results.processes} ` +
      `processes x ${results.threads} threads (gunicorn sync: ${results.processes} workers) and a quota of ${results.cpus} CPU ` +
      `(mod_wsgi-express ${results.expressVersion}: a cgroup with the same quota). Medians (min–max); "ours ÷ it" is taken per ` +
      "repetition: above 1 is better for ours on requests/s, below 1 on p99 and CPU. CPU is the server's cgroup only " +
      "(docker-proxy's share of a published port is not in it).",
    '',
  ];
  if (results.throughput?.length) {
    lines.push(
      throughputTable(results.throughput),
      '',
      ceiling(results.throughput),
      '',
      "Issue #18's targets, each figure ours ÷ the reference per repetition:",
      '',
      targetsTable(results.throughput, `mod_wsgi-express ${results.expressVersion}`),
      '',
    );
  }
  const start = results.start;
  if (start) {
    // Each network against its own floor; results from before that had one floor (a bridge-network container) for both.
    const perNetwork = Boolean(start['floor, host network']);
    const over = (name: string, network: string) => {
      const floor = perNetwork ? start[`floor, ${network}`] : start.floor;
      return start[name] && floor ? formatStats(start[name].map((value, index) => value - floor[index])) : 'n/a';
    };
    lines.push(
      `Start to first 200 minus the runtime's floor (\`docker run --rm BASE true\`${perNetwork ? ' on the same network' : ''} in the same repetition), ms: ` +
        `host network ${over('ours, host network', 'host network')}, published port ${over('ours, published port', 'published port')}.`,
      '',
    );
  }
  if (results.rows?.length) {
    lines.push(
      markdownTable(
        ['figure', 'ours', 'ours: median (min–max)', 'reference', 'reference: median (min–max)', 'ours / reference: median (min–max)'],
        results.rows.map(comparisonCells),
      ),
    );
  }
  return lines.join('\n').trim();
}

/** A side-by-side row's cells: figure, ours, its values, the reference, its values, the paired ratio (none for counts). */
export function comparisonCells(row: ComparisonRow): string[] {
  return [
    row.figure,
    row.ours,
    `${formatStats(row.oursValues, row.digits)}${row.oursNote ?? ''}`,
    row.reference,
    `${formatStats(row.referenceValues, row.digits)}${row.referenceNote ?? ''}`,
    row.noRatio ? '' : formatStats(pairedRatios(row.oursValues, row.referenceValues), 2),
  ];
}

const BEGIN = '<!-- bench:compare:begin (generated by npm run bench:readme from bench/results/compare.json) -->';
const END = '<!-- bench:compare:end -->';

/** Rewrites the README's generated benchmark section from bench/results/compare.json. */
export async function writeReadme(): Promise<void> {
  const results = JSON.parse(readFileSync(path.join(ROOT, 'bench', 'results', 'compare.json'), 'utf8')) as CompareResults;
  const readme = path.join(ROOT, 'README.md');
  const text = readFileSync(readme, 'utf8');
  const begin = text.indexOf(BEGIN);
  const end = text.indexOf(END);
  if (begin < 0 || end < begin) throw new Error(`README.md has no ${BEGIN} ... ${END} section`);
  writeFileSync(readme, `${text.slice(0, begin + BEGIN.length)}\n${readmeSection(results)}\n${text.slice(end)}`);
}

runWhenMain(import.meta.url, writeReadme);
