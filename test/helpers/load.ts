/**
 * wrk load for the reliability and restart tests: a bounded run with
 * test/fixtures/load/report.lua (counts every non-2xx), and the check that
 * nothing was lost, cross-checked against Apache's access log.
 */
import { spawn } from 'node:child_process';
import type Docker from 'dockerode';
import * as assert from 'uvu/assert';
import { fixture } from './paths.js';

export interface WrkReport {
  requests: number;
  durationUs: number;
  non2xx: number;
  connect: number;
  read: number;
  write: number;
  status: number;
  timeout: number;
  p99Us: number;
}

/** Runs wrk (bounded by `seconds`) with test/fixtures/load/report.lua and returns its JSON line. */
export function runWrk(url: string, seconds: number, connections: number): Promise<WrkReport> {
  return new Promise((resolve, reject) => {
    const args = ['-t2', `-c${connections}`, `-d${seconds}s`, '--timeout', '10s', '-s', fixture('load', 'report.lua'), url];
    const child = spawn('wrk', args);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('error', (error) => reject(new Error(`cannot run wrk (${error.message}); bash scripts/provision.sh installs it`)));
    child.on('close', (code) => {
      const line = stdout.split('\n').find((candidate) => candidate.startsWith('{"report":"wrk"'));
      if (code !== 0 || !line) reject(new Error(`wrk exited ${code}:\n${stdout}${stderr}`));
      else resolve(JSON.parse(line) as WrkReport);
    });
  });
}

/** `GET <path> HTTP/1.1" <status>` lines of the access log (stdout), as [path, status]. */
export async function accessLog(container: Docker.Container): Promise<[string, number][]> {
  const text = (await container.logs({ stdout: true, stderr: false })).toString('latin1');
  return [...text.matchAll(/"GET (\S+) HTTP\/1\.1" (\d{3}) /g)].map((match) => [match[1], Number(match[2])]);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Nothing lost: every response wrk got was 2xx and no socket error but keep-alive closes. wrk counts a
 * read error when the server closes a kept-alive connection as the next request goes out (the event MPM
 * closes idle keep-alive connections when it retires spare children); such a request was never read by
 * Apache. The access log proves it: every request to `path` Apache read was answered 200, and it read no
 * more than wrk completed plus the requests still in flight when wrk stopped (at most one per connection).
 */
export async function assertNothingLost(report: WrkReport, container: Docker.Container, path: string, connections: number): Promise<void> {
  const summary = JSON.stringify(report);
  assert.is(report.non2xx, 0, summary);
  assert.is(report.status, 0, summary);
  assert.is(report.connect, 0, summary);
  assert.is(report.write, 0, summary);
  assert.is(report.timeout, 0, summary);
  let logged: [string, number][] = [];
  for (let attempt = 0; attempt < 10 && logged.length < report.requests; attempt += 1) {
    if (attempt) await sleep(500); // dockerd copies the container's output to its log a moment later
    logged = (await accessLog(container)).filter(([logged]) => logged === path);
  }
  assert.ok(
    logged.every(([, status]) => status === 200),
    `non-200 in the access log: ${JSON.stringify(logged.filter(([, s]) => s !== 200).slice(0, 5))}`,
  );
  assert.ok(logged.length >= report.requests, `Apache logged ${logged.length} of wrk's ${report.requests} requests`);
  assert.ok(
    logged.length - report.requests <= connections,
    `Apache read ${logged.length - report.requests} requests wrk never got an answer to (${report.read} read errors)`,
  );
}
