/**
 * The runtime contract of an image: signals, logs, users, read-only root,
 * runtime overrides, health check. (deploy/kubernetes.yaml runs under podman
 * kube play in manifest.test.ts.)
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type Docker from 'dockerode';
import {
  buildWithCli,
  docker,
  execIn,
  httpGet,
  removeContainer,
  serveImage,
  settle,
  slowRequestInFlight,
  until,
  type Running,
  type StartOptions,
} from '../helpers/docker.js';
import { fixture } from '../helpers/paths.js';
import { hostPid, traceSystemCalls } from '../helpers/trace.js';

const runtime = suite('runtime contract');
const APP = 'mwe-test/app';
const running: Running[] = [];

runtime.before(async () => {
  await buildWithCli([fixture('app', 'wsgi.py'), '--tag', APP, '--url-alias', '/static/', fixture('app', 'static')]);
  await buildWithCli([fixture('app', 'wsgi.py'), '--tag', 'mwe-test/app-logs', '--access-log']);
  await buildWithCli([fixture('app', 'wsgi.py'), '--tag', 'mwe-test/app-port80', '--port', '80', '--user', 'www-data', '--group', 'www-data']);
  await buildWithCli(['--application-type', 'module', 'mod_wsgi.diagnostics.environ', '--tag', 'mwe-test/diag-environ']);
});

runtime.after(async () => {
  await Promise.all(running.map(removeContainer));
});

const serve = (image: string, options: StartOptions = {}): Promise<Running> => serveImage(running, image, options);

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function logsOf(container: Docker.Container): Promise<{ stdout: string; stderr: string }> {
  const read = async (stdout: boolean) => (await container.logs({ stdout, stderr: !stdout })).toString();
  return { stdout: await read(true), stderr: await read(false) };
}

async function daemonPid(server: Running): Promise<string> {
  const response = await httpGet(server.url('/whoami'));
  return /pid=(\d+)/.exec(response.body)![1];
}

runtime('SIGTERM: in-flight requests finish, new connections are refused, exit 0', async () => {
  const server = await serve(APP);
  const slow = settle(httpGet(server.url('/slow?seconds=3'), 20000));
  await slowRequestInFlight(server.container);
  await server.container.kill({ signal: 'SIGTERM' });
  // Apache closes its listeners: a new connection is no longer served.
  await until('new connections refused', 5, async () => (await settle(httpGet(server.url('/'), 1000))).status !== 200);
  const response = await slow;
  assert.is(response.status, 200, response.error);
  assert.is(response.body, 'slow done');
  assert.is((await server.container.wait()).StatusCode, 0);
});

runtime('a graceful stop that outlasts MWE_STOP_TIMEOUT ends in a hard stop', async () => {
  const server = await serve(APP, { env: ['MWE_STOP_TIMEOUT=1'] });
  const slow = settle(httpGet(server.url('/slow?seconds=4'), 20000));
  await slowRequestInFlight(server.container);
  await server.container.kill({ signal: 'SIGTERM' });
  const result = await server.container.wait();
  const response = await slow;
  assert.is.not(response.status, 200, 'the 4-second request outlived a 1-second stop timeout');
  assert.is(result.StatusCode, 137);
  assert.match((await logsOf(server.container)).stderr, /graceful stop exceeded MWE_STOP_TIMEOUT=1s/);
});

runtime('SIGINT stops fast: the in-flight request is cut', async () => {
  const server = await serve(APP);
  const slow = settle(httpGet(server.url('/slow?seconds=8'), 20000));
  await slowRequestInFlight(server.container);
  await server.container.kill({ signal: 'SIGINT' });
  const response = await slow;
  assert.is.not(response.status, 200);
  assert.is((await server.container.wait()).StatusCode, 0);
  assert.match((await logsOf(server.container)).stderr, /caught SIGTERM, shutting down/);
});

runtime('SIGHUP and SIGUSR1 restart gracefully: new daemon process, Apache kept, container stays up', async () => {
  const server = await serve(APP);
  const first = await daemonPid(server);
  await server.container.kill({ signal: 'SIGHUP' });
  await until('a new daemon process after SIGHUP', 15, async () => (await daemonPid(server)) !== first);
  const second = await daemonPid(server);
  await server.container.kill({ signal: 'SIGUSR1' });
  await until('a new daemon process after SIGUSR1', 15, async () => (await daemonPid(server)) !== second);
  assert.ok((await server.container.inspect()).State.Running);
  // The daemon processes are replaced, not Apache: its own graceful restart drops requests (restarts.test.ts).
  assert.not.match((await logsOf(server.container)).stderr, /Doing graceful restart/);
});

runtime('a crashed daemon process is logged and replaced; the container stays up', async () => {
  const server = await serve(APP);
  const before = await daemonPid(server);
  const crash = await settle(httpGet(server.url('/crash')));
  assert.is.not(crash.status, 200);
  await until('a new daemon process after the crash', 15, async () => (await daemonPid(server)) !== before);
  assert.ok((await server.container.inspect()).State.Running);
  await until('the crash in the error log', 10, async () => /daemon process 'localhost:8000'/.test((await logsOf(server.container)).stderr));
});

runtime('access log on stdout, error log on stderr, nothing written outside /tmp', async () => {
  const server = await serve('mwe-test/app-logs');
  await httpGet(server.url('/logged-path'));
  await until('the access log line', 10, async () => (await logsOf(server.container)).stdout.includes('/logged-path'));
  const logs = await logsOf(server.container);
  assert.match(logs.stdout, /"GET \/logged-path HTTP\/1.1" 200 12/);
  assert.match(logs.stderr, /resuming normal operations/);
  const changes = (await server.container.changes()) ?? [];
  const outside = changes.filter((change: { Path: string }) => change.Path !== '/tmp' && !change.Path.startsWith('/tmp/'));
  assert.equal(outside, []);
});

runtime('runs under an arbitrary UID in group 0 without a passwd entry', async () => {
  const server = await serve(APP, { user: '1000770000:0' });
  const whoami = await httpGet(server.url('/whoami'));
  assert.match(whoami.body, /^uid=1000770000 gid=0 /);
});

runtime('a root start binds port 80 and drops to --user/--group', async () => {
  const server = await serve('mwe-test/app-port80', { containerPort: 80, user: '0:0' });
  assert.match((await httpGet(server.url('/whoami'))).body, /^uid=33 gid=33 /);
  const { output } = await execIn(server.container, ['ps', '-eo', 'uid=,args=']);
  const apache = output
    .trim()
    .split('\n')
    .map((line) => line.trim().split(/\s+/))
    .filter(([, command]) => command.includes('apache2'));
  assert.ok(
    apache.some(([uid]) => uid === '0'),
    `the parent keeps root to bind port 80:\n${output}`,
  );
  assert.ok(
    apache.some(([uid]) => uid === '33'),
    `children run as www-data:\n${output}`,
  );
});

runtime('PORT, MWE_PROCESSES, MWE_THREADS and MWE_LOG_LEVEL override the image at run time', async () => {
  const server = await serve('mwe-test/diag-environ', {
    containerPort: 9090,
    env: ['PORT=9090', 'MWE_PROCESSES=2', 'MWE_THREADS=7', 'MWE_LOG_LEVEL=info'],
  });
  const page = (await httpGet(server.url('/'))).body;
  assert.match(page, /^mod_wsgi\.process_group: localhost:9090$/m);
  assert.match(page, /^mod_wsgi\.maximum_processes: 2$/m);
  assert.match(page, /^mod_wsgi\.threads_per_process: 7$/m);
  assert.match(page, /^wsgi\.multiprocess: True$/m);
  // The process environment closes the page, as KEY: 'value' lines.
  // mod_wsgi-express's formula for 2 x 7 gives 31 clients, below the floor for slow clients: 200, 4 children of 50.
  assert.match(page, /^MWE_MPM_MAX_REQUEST_WORKERS: '200'$/m);
  assert.match(page, /^MWE_MPM_THREADS_PER_CHILD: '50'$/m);
  assert.match((await logsOf(server.container)).stderr, /\[\w+:info\]/);
});

runtime('an invalid runtime setting stops with one line naming it, exit 2', async () => {
  const container = await docker.createContainer({ Image: APP, Env: ['PORT=http'] });
  try {
    await container.start();
    assert.is((await container.wait()).StatusCode, 2);
    const { stderr } = await logsOf(container);
    assert.is(stderr.trim().split('\n').length, 1, stderr);
    assert.match(stderr, /PORT='http' is not a whole number from 1 to 65535/);
  } finally {
    await container.remove({ force: true });
  }
});

runtime('HEALTHCHECK: healthy when serving, failing on 5xx and when nothing listens', async () => {
  const server = await serve(APP);
  const image = await docker.getImage(APP).inspect();
  assert.equal(image.Config.Healthcheck?.Test, ['CMD', '/usr/local/bin/mwe-healthcheck']);
  assert.is((await execIn(server.container, ['/usr/local/bin/mwe-healthcheck'])).code, 0);
  const failing = await execIn(server.container, ['env', 'MWE_HEALTHCHECK_PATH=/status?code=503', '/usr/local/bin/mwe-healthcheck']);
  assert.is(failing.code, 1);
  assert.match(failing.output, /answered 503/);
  const nobody = await execIn(server.container, ['env', 'PORT=1', '/usr/local/bin/mwe-healthcheck']);
  assert.is(nobody.code, 1);
  assert.match(nobody.output, /cannot connect to 127\.0\.0\.1 port 1: Connection refused/);
  const deadline = Date.now() + 40000;
  let status = '';
  while (Date.now() < deadline && status !== 'healthy') {
    status = (await server.container.inspect()).State.Health?.Status ?? '';
    await sleep(1000);
  }
  assert.is(status, 'healthy');
});

runtime('a daemon process serves a request without a netlink dump of the interfaces (patch server-addr-family)', async () => {
  const labels = (await docker.getImage(APP).inspect()).Config.Labels ?? {};
  assert.ok((labels['io.mwe-image.mod-wsgi-patches'] ?? '').split(',').includes('server-addr-family'), JSON.stringify(labels));
  const server = await serve(APP);
  const daemon = await hostPid(server.container, await daemonPid(server));
  const requests = 5;
  const trace = await traceSystemCalls(daemon, async () => {
    for (let index = 0; index < requests; index += 1) assert.is((await httpGet(server.url('/'))).status, 200);
  });
  // Each request reaches the daemon as a connection from an Apache child: the trace saw them all.
  assert.ok((trace.match(/ accept4?\(/g) ?? []).length >= requests, trace.slice(0, 3000));
  assert.not.match(trace, /AF_NETLINK/);
});

runtime.run();
