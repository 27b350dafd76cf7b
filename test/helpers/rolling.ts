/**
 * A rolling replacement behind a real load balancer (HAProxy from Debian, on
 * 127.0.0.1, with active checks of the image's readiness path): two replicas
 * of the old image on the host network, each replaced in turn by the new
 * image (start new, wait until HAProxy routes to it, SIGTERM the old one and
 * wait for its exit) while wrk puts load on the balancer. HAProxy checks once
 * a second, so, as with Kubernetes' endpoint updates, it learns of a stop up
 * to a second late. Shared by the rolling test and the benchmark.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type Docker from 'dockerode';
import { docker, httpGet, until } from './docker.js';
import { fixture } from './paths.js';
import { freePorts } from './ports.js';

export const READY_PATH = '/.mwe/ready';

export interface RollingResult {
  requests: number;
  non2xx: number;
  connect: number;
  read: number;
  write: number;
  timeout: number;
  /** Exit statuses of the replaced containers. */
  oldExits: number[];
  /** What the balancer answers after the replacement. */
  after: string[];
}

function haproxyConfig(ports: { lb: number; stats: number; servers: number[] }, retries: number): string {
  return `global
    maxconn 1024
defaults
    mode http
    timeout connect 2s
    timeout client 30s
    timeout server 30s
    retries ${retries}
    option http-server-close
frontend web
    bind 127.0.0.1:${ports.lb}
    default_backend app
backend app
    balance roundrobin
    option httpchk
    http-check send meth GET uri ${READY_PATH}
    default-server inter 1s fall 1 rise 1
${ports.servers.map((port, index) => `    server r${index} 127.0.0.1:${port} check`).join('\n')}
listen stats
    bind 127.0.0.1:${ports.stats}
    stats enable
    stats uri /stats
`;
}

/** HAProxy's view of each server: r0 -> UP / DOWN. */
async function serverStates(statsPort: number): Promise<Record<string, string>> {
  const csv = (await httpGet(`http://127.0.0.1:${statsPort}/stats;csv`)).body;
  const states: Record<string, string> = {};
  for (const line of csv.split('\n')) {
    const fields = line.split(',');
    if (fields[0] === 'app' && /^r\d+$/.test(fields[1])) states[fields[1]] = fields[17];
  }
  return states;
}

async function startReplica(image: string, port: number, stopDelay: number): Promise<Docker.Container> {
  const container = await docker.createContainer({
    Image: image,
    Env: [`PORT=${port}`, `MWE_STOP_DELAY=${stopDelay}`],
    HostConfig: { NetworkMode: 'host' },
  });
  await container.start();
  await until(`replica on port ${port} ready`, 30, async () => (await httpGet(`http://127.0.0.1:${port}${READY_PATH}`, 2000)).status === 200);
  return container;
}

/**
 * Replaces two replicas of `oldImage` by `newImage` under load; `stopDelay`
 * is the replicas' MWE_STOP_DELAY, `retries` HAProxy's (0: a request sent to
 * a replica that no longer listens fails, as behind kube-proxy).
 */
export async function rollingReplacement(oldImage: string, newImage: string, stopDelay: number, retries = 0): Promise<RollingResult> {
  const [r0, r1, r2, r3, lb, stats] = await freePorts(6);
  const ports = { servers: [r0, r1, r2, r3], lb, stats };
  const work = mkdtempSync(path.join(tmpdir(), 'mwe-rolling-'));
  writeFileSync(path.join(work, 'haproxy.cfg'), haproxyConfig(ports, retries));
  const containers: Docker.Container[] = [];
  let haproxy: ChildProcess | undefined;
  let wrk: ChildProcess | undefined;
  try {
    for (const port of ports.servers.slice(0, 2)) containers.push(await startReplica(oldImage, port, stopDelay));
    haproxy = spawn('haproxy', ['-f', path.join(work, 'haproxy.cfg'), '-db'], { stdio: 'ignore' });
    await until('HAProxy routing to the old replicas only', 20, async () => {
      const states = await serverStates(ports.stats);
      return states.r0 === 'UP' && states.r1 === 'UP' && states.r2 === 'DOWN' && states.r3 === 'DOWN';
    });
    let report = '';
    wrk = spawn('wrk', ['-t2', '-c8', '-d120s', '-s', fixture('load', 'report.lua'), `http://127.0.0.1:${ports.lb}/`]);
    wrk.stdout!.on('data', (chunk) => (report += chunk));
    const wrkDone = new Promise((resolve) => wrk!.on('close', resolve));
    await until('load flowing', 10, async () => (await httpGet(`http://127.0.0.1:${ports.stats}/stats;csv`)).body.includes('FRONTEND'));
    const oldExits: number[] = [];
    for (const [index, old] of containers.slice(0, 2).entries()) {
      const replacement = index + 2;
      containers.push(await startReplica(newImage, ports.servers[replacement], stopDelay));
      await until(`HAProxy routing to r${replacement}`, 20, async () => (await serverStates(ports.stats))[`r${replacement}`] === 'UP');
      await old.kill({ signal: 'SIGTERM' });
      oldExits.push((await old.wait()).StatusCode);
    }
    wrk.kill('SIGINT');
    await wrkDone;
    const line = report.split('\n').find((text) => text.startsWith('{"report":"wrk"'));
    if (!line) throw new Error(`no wrk report:\n${report}`);
    const counts = JSON.parse(line) as Omit<RollingResult, 'oldExits' | 'after'>;
    const after: string[] = [];
    for (let i = 0; i < 4; i += 1) after.push((await httpGet(`http://127.0.0.1:${ports.lb}/`)).body);
    return { ...counts, oldExits, after };
  } finally {
    wrk?.kill('SIGKILL');
    haproxy?.kill('SIGTERM');
    await Promise.all(containers.map((container) => container.remove({ force: true }).catch(() => undefined)));
  }
}
