/**
 * Startup hangs (issue #13): an application whose import never returns is
 * ended after --startup-timeout and loaded again, the health check fails
 * meanwhile, and with --exit-on-startup-failure the container exits with
 * status 3 after 3 failed loads (an orchestrator then restarts it).
 * test/fixtures/hang/wsgi.py hangs on every load, or on the first HANG_LOADS.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { buildWithCli, execIn, removeContainer, startContainer, waitFor200, type Running } from '../helpers/docker.js';
import { fixture } from '../helpers/paths.js';

const startup = suite('startup');
const IMAGE = 'mwe-startup/hang';
const running: Running[] = [];

startup.before(async () => {
  await buildWithCli([fixture('hang', 'wsgi.py'), '--tag', IMAGE, '--startup-timeout', '3', '--exit-on-startup-failure']);
});

startup.after(async () => {
  await Promise.all(running.map(removeContainer));
});

async function start(env: string[]): Promise<Running> {
  const server = await startContainer(IMAGE, { env });
  running.push(server);
  return server;
}

const stderrOf = async (server: Running): Promise<string> => (await server.container.logs({ stdout: false, stderr: true })).toString('latin1');

/** Polls the error log until `pattern` shows up (at most `seconds`); returns the log. */
async function logShows(server: Running, pattern: RegExp, seconds: number): Promise<string> {
  const deadline = Date.now() + seconds * 1000;
  for (;;) {
    const log = await stderrOf(server);
    if (pattern.test(log)) return log;
    assert.ok(Date.now() < deadline, `no ${pattern} in the error log after ${seconds} s:\n${log.slice(-3000)}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

startup('an import that hangs is ended after --startup-timeout with its stack logged, loaded again, and the health check fails', async () => {
  // MWE_EXIT_ON_STARTUP_FAILURE=0 switches the build option off: the loads go on past 3 failures.
  const server = await start(['MWE_EXIT_ON_STARTUP_FAILURE=0']);
  const first = await logShows(server, /did not load within --startup-timeout 3 s; restarting the daemon process/, 30);
  assert.match(first, /File "\/srv\/app\/wsgi\.py", line \d+ in <module>/, 'the stack of the hang is logged');
  await logShows(server, /3 earlier loads of the application did not complete/, 40);
  await logShows(server, /hang fixture: load 4 hangs/, 10);
  const health = await execIn(server.container, ['mwe-healthcheck']);
  assert.is.not(health.code, 0, health.output);
  assert.match(health.output, /unhealthy/);
  assert.ok((await server.container.inspect()).State.Running, 'without --exit-on-startup-failure the container stays up');
});

startup('a load that hangs once: the next daemon process loads the application and serves', async () => {
  const server = await start(['HANG_LOADS=1']);
  await logShows(server, /did not load within --startup-timeout 3 s/, 30);
  const response = await waitFor200(server.url('/'), 30);
  assert.is(response.body, 'loaded');
  const health = await execIn(server.container, ['mwe-healthcheck']);
  assert.is(health.code, 0, health.output);
});

startup('--exit-on-startup-failure: after 3 failed loads the container exits with status 3, saying why', async () => {
  const server = await start([]);
  const exited = server.container.wait() as Promise<{ StatusCode: number }>;
  const timeout = new Promise<never>((_, reject) => setTimeout(() => reject(new Error('still running after 120 s')), 120000).unref());
  const { StatusCode } = await Promise.race([exited, timeout]);
  const log = await stderrOf(server);
  assert.match(log, /the application failed to load \d+ times in a row \(--startup-timeout 3 s\); stopping the server/);
  assert.match(log, /mwe-entrypoint: exiting with status 3/);
  assert.is(StatusCode, 3, log.slice(-2000));
});

startup.run();
