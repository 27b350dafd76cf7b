/** How a benchmark reports: a markdown table on stdout and bench/results/NAME.json, plus the shared statistics. */
import { mkdirSync, writeFileSync } from 'node:fs';
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
  console.log([
    `${caption} Machine: ${machine}; load average ${os.loadavg().map((load) => load.toFixed(2)).join(' ')} at the end.`,
    '',
    `| ${header.join(' | ')} |`,
    `| ${header.map(() => '---').join(' | ')} |`,
    ...rows.map((row) => `| ${row.join(' | ')} |`),
  ].join('\n'));
  const out = path.join(ROOT, 'bench', 'results');
  mkdirSync(out, { recursive: true });
  writeFileSync(path.join(out, `${name}.json`), `${JSON.stringify({ date: new Date().toISOString(), machine, loadAverage: os.loadavg(), ...data }, null, 2)}\n`);
}
