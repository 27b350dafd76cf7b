/**
 * Restarts lose nothing (issue #13): under wrk load, ten graceful restarts of
 * the container (docker kill -s HUP, -s USR1, and `mwe-entrypoint apachectl
 * graceful` inside it) and daemon processes recycled by --maximum-requests and
 * --restart-interval answer every request 2xx, with no socket error but
 * keep-alive closes (cross-checked against the access log).
 */
import { randomUUID } from 'node:crypto';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { buildWithCli, execIn, httpGet, removeContainer, serveImage, type Running } from '../helpers/docker.js';
import { accessLog, assertNothingLost, runWrk } from '../helpers/load.js';
import { fixture } from '../helpers/paths.js';

const restarts = suite('restarts');
const IMAGE = 'mwe-restarts/faults';
const MAXIMUM_REQUESTS = 'mwe-restarts/maximum-requests';
const RESTART_INTERVAL = 'mwe-restarts/restart-interval';
const CONNECTIONS = 16;
const running: Running[] = [];

restarts.before(async () => {
  const app = fixture('faults', 'wsgi.py');
  await buildWithCli([app, '--tag', IMAGE, '--access-log']);
  await buildWithCli([app, '--tag', MAXIMUM_REQUESTS, '--access-log', '--maximum-requests', '300']);
  await buildWithCli([app, '--tag', RESTART_INTERVAL, '--access-log', '--restart-interval', '2']);
});

restarts.after(async () => {
  await Promise.all(running.map(removeContainer));
});

const serve = (image: string, env?: string[]): Promise<Running> => serveImage(running, image, { env, ok: true });

/** The daemon process id, as the app reports it; every answer must be a 200, during restarts too. */
async function daemonPid(server: Running): Promise<number> {
  const response = await httpGet(server.url('/pid'));
  assert.is(response.status, 200, `/pid answered ${response.status}: ${response.body}`);
  return Number(response.body);
}

/** Polls /pid until another daemon process answers than `before` (at most 30 s); returns its pid. */
async function nextDaemon(server: Running, before: number): Promise<number> {
  const deadline = Date.now() + 30000;
  for (;;) {
    const pid = await daemonPid(server);
    if (pid !== before) return pid;
    assert.ok(Date.now() < deadline, `daemon process ${before} still answers 30 s after the restart`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Polls the access log until requests to `path` show up: the load is flowing. */
async function loadFlowing(server: Running, path: string): Promise<void> {
  const deadline = Date.now() + 15000;
  while (!(await accessLog(server.container)).some(([logged]) => logged === path)) {
    assert.ok(Date.now() < deadline, 'no request of the load in the access log after 15 s');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const RESTARTS: { name: string; restart: (server: Running) => Promise<void> }[] = [
  { name: 'SIGHUP', restart: (server) => server.container.kill({ signal: 'SIGHUP' }) },
  { name: 'SIGUSR1', restart: (server) => server.container.kill({ signal: 'SIGUSR1' }) },
  {
    name: 'apachectl graceful',
    restart: async (server) => {
      const graceful = await execIn(server.container, ['mwe-entrypoint', 'apachectl', 'graceful']);
      assert.is(graceful.code, 0, graceful.output);
    },
  },
];

restarts('10 graceful restarts under wrk load (SIGHUP, SIGUSR1, apachectl graceful): every request answered 2xx', async () => {
  const server = await serve(IMAGE);
  const path = `/?run=${randomUUID()}`;
  const load = runWrk(server.url(path), 30, CONNECTIONS);
  let loadEnded = false;
  void load.finally(() => (loadEnded = true)).catch(() => undefined);
  await loadFlowing(server, path);

  const pids = [await daemonPid(server)];
  const done: string[] = [];
  for (let index = 0; index < 10; index += 1) {
    const { name, restart } = RESTARTS[index % RESTARTS.length];
    await restart(server);
    // Each restart is over when another daemon process answers: the next one starts after it.
    pids.push(await nextDaemon(server, pids[pids.length - 1]));
    done.push(name);
  }
  assert.not.ok(loadEnded, `the load ended before the 10 restarts did (${done.join(', ')})`);
  const report = await load;
  console.log(
    `  restarts: ${done.length} (${done.join(', ')}), daemon processes ${pids.join(' ')}; ` +
      `${report.requests} requests, p99 ${(report.p99Us / 1000).toFixed(0)} ms, ${report.read} keep-alive closes`,
  );
  assert.is(new Set(pids).size, 11, `each restart gives a new daemon process: ${pids.join(' ')}`);
  await assertNothingLost(report, server.container, path, CONNECTIONS);
  assert.ok((await server.container.inspect()).State.Running);
});

/** `Starting daemon process` lines (LogLevel info) in the container's error log. */
async function daemonStarts(server: Running): Promise<number> {
  const stderr = (await server.container.logs({ stdout: false, stderr: true })).toString('latin1');
  return stderr.match(/Starting daemon process/g)?.length ?? 0;
}

// Under steady load a daemon due for a restart waits for a moment without requests in flight (up to
// --graceful-timeout): with 16 connections on 5 threads --restart-interval 2 recycles about every 4 s.
for (const [image, option, minimum] of [
  [MAXIMUM_REQUESTS, '--maximum-requests 300', 5],
  [RESTART_INTERVAL, '--restart-interval 2', 2],
] as const) {
  restarts(`daemon processes recycled by ${option} under 12 s of wrk load: every request answered 2xx`, async () => {
    const server = await serve(image, ['MWE_LOG_LEVEL=info']);
    const before = await daemonStarts(server);
    const path = `/?run=${randomUUID()}`;
    const report = await runWrk(server.url(path), 12, CONNECTIONS);
    const recycled = (await daemonStarts(server)) - before;
    console.log(
      `  ${option}: ${recycled} daemon processes started during ${report.requests} requests, ` +
        `p99 ${(report.p99Us / 1000).toFixed(0)} ms, ${report.read} keep-alive closes`,
    );
    assert.ok(recycled >= minimum, `only ${recycled} daemon processes were started during the load`);
    await assertNothingLost(report, server.container, path, CONNECTIONS);
  });
}

restarts.run();
