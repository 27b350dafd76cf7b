/**
 * Load from Debian's wrk on 127.0.0.1, bounded in connections and time
 * (-c, -d, --timeout, and a hard stop of the process), parsed into requests/s,
 * latency percentiles and the request count.
 */
import { spawnSync } from 'node:child_process';

export interface WrkResult {
  requests: number;
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

export function wrk(url: string, seconds: number, connections: number, threads = 2): WrkResult {
  if (!/^http:\/\/127\.0\.0\.1:\d+\//.test(url)) throw new Error(`wrk only loads 127.0.0.1, not ${url}`);
  const run = spawnSync('wrk', ['-t', String(threads), '-c', String(connections), '-d', `${seconds}s`, '--timeout', '5s', '--latency', url], {
    encoding: 'utf8',
    timeout: (seconds + 30) * 1000,
  });
  if (run.error || run.status !== 0) throw new Error(`wrk failed (install Debian's wrk: apt-get install wrk): ${run.error?.message ?? run.stderr}`);
  const output = run.stdout;
  const rate = /^Requests\/sec:\s+([\d.]+)/m.exec(output);
  const total = /^\s*(\d+) requests in /m.exec(output);
  if (!rate || !total) throw new Error(`wrk printed no request count:\n${output}`);
  const errors = output
    .split('\n')
    .filter((line) => /Non-2xx|Socket errors/.test(line))
    .map((line) => line.trim());
  return { requests: Number(total[1]), requestsPerSecond: Number(rate[1]), p50Ms: latencyMs(output, '50'), p99Ms: latencyMs(output, '99'), errors };
}
