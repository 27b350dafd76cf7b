/**
 * setup-server: the host server root whose apachectl runs the image as a
 * background container, and the image's own setup-server/apachectl.
 */
import { appendFileSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { docker, execIn, httpGet, removeContainer, runCli, startContainer, until, waitFor200, type CliResult, type Running } from '../helpers/docker.js';
import { example } from '../helpers/paths.js';

const setup = suite('setup-server');
const root = path.join(mkdtempSync(path.join(os.tmpdir(), 'mwe-server-root-')), 'server');
const port = 24000 + Math.floor(Math.random() * 4000);
const url = `http://127.0.0.1:${port}/`;
let inImage: Running | undefined;

function apachectl(action: string): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = spawn(path.join(root, 'apachectl'), [action]);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

async function refused(target: string): Promise<boolean> {
  return httpGet(target, 3000).then(
    () => false,
    () => true,
  );
}

const DIAGNOSTICS = ['--application-type', 'module', 'mod_wsgi.diagnostics.environ', '--tag', 'mwe-test/setup-server', '--publish-port', String(port)];

/** The container name setup-server derives from the tag (no --name given). */
const CONTAINER = 'mwe-test-setup-server-server';
const containerExists = (name: string) =>
  docker
    .getContainer(name)
    .inspect()
    .then(
      () => true,
      () => false,
    );

setup.after(async () => {
  await docker
    .getContainer(CONTAINER)
    .remove({ force: true })
    .catch(() => undefined);
  await removeContainer(inImage);
});

setup('writes httpd.conf, envvars, server.json and apachectl; apachectl start/status/configtest/stop run the container', async () => {
  const result = await runCli(['setup-server', ...DIAGNOSTICS, '--server-root', root]);
  assert.is(result.code, 0, result.stderr.slice(-3000));
  assert.is(result.stdout, `${root}\n`);
  assert.match(readFileSync(path.join(root, 'httpd.conf'), 'utf8'), /WSGIDaemonProcess/);
  assert.match(readFileSync(path.join(root, 'apachectl'), 'utf8'), /apachectl --server-root/);
  assert.is(statSync(path.join(root, 'server.json')).mode & 0o777, 0o600);

  assert.is((await apachectl('start')).code, 0);
  assert.is((await httpGet(url)).status, 200);
  const again = await apachectl('start');
  assert.match(again.stdout, /already running/);
  const status = await apachectl('status');
  assert.is(status.code, 0);
  assert.match(status.stdout, /^running: mwe-test-setup-server-server mwe-test\/setup-server on http:\/\/127\.0\.0\.1:\d+\/; healthy/);
  const configtest = await apachectl('configtest');
  assert.is(configtest.code, 0);
  assert.match(configtest.stderr, /Syntax OK/);

  assert.is((await apachectl('stop')).code, 0);
  assert.ok(await refused(url));
  const stopped = await apachectl('status');
  assert.is(stopped.code, 3);
  assert.match(stopped.stdout, /^not running/);
  assert.not.ok(await containerExists(CONTAINER), 'apachectl stop leaves no exited container behind');
});

setup('envvars is sourced in the container and kept on re-run; restart serves a rebuilt image with the new options', async () => {
  appendFileSync(path.join(root, 'envvars'), 'export GREETING=from-envvars\n');
  assert.is((await apachectl('start')).code, 0);
  // The diagnostics page ends with the daemon's process environment, as KEY: 'value' lines.
  assert.match((await httpGet(url)).body, /^GREETING: 'from-envvars'$/m);

  const rerun = await runCli(['setup-server', ...DIAGNOSTICS, '--server-root', root, '--processes', '2']);
  assert.is(rerun.code, 0, rerun.stderr.slice(-3000));
  assert.match(rerun.stderr, /Kept .*envvars/);
  assert.match(rerun.stderr, /running the previous image; .*apachectl restart serves the new one/);
  assert.match(readFileSync(path.join(root, 'envvars'), 'utf8'), /GREETING=from-envvars/);
  assert.match((await apachectl('status')).stdout, /an older image/);

  assert.is((await apachectl('graceful')).code, 0, 'graceful restarts in place');
  assert.is((await apachectl('restart')).code, 0);
  const page = (await httpGet(url)).body;
  assert.match(page, /^GREETING: 'from-envvars'$/m);
  assert.match(page, /^MWE_PROCESSES: '2'$/m);
  assert.match(page, /^mod_wsgi\.maximum_processes: 2$/m);
  assert.not.match((await apachectl('status')).stdout, /older image/);
  assert.is((await apachectl('graceful-stop')).code, 0);
  assert.ok(await refused(url));
});

setup("--name names a server root's container; a second server root of the same image needs its own", async () => {
  const first = path.join(path.dirname(root), 'first');
  const second = path.join(path.dirname(root), 'second');
  const secondPort = port + 1;
  try {
    assert.is((await runCli(['setup-server', ...DIAGNOSTICS, '--server-root', first])).code, 0);
    assert.is((await runCli(['apachectl', '--server-root', first, 'start'])).code, 0);
    // Same image, no --name: the default name is taken by the first server root.
    assert.is((await runCli(['setup-server', ...DIAGNOSTICS, '--server-root', second, '--publish-port', String(secondPort)])).code, 0);
    const clash = await runCli(['apachectl', '--server-root', second, 'start']);
    assert.is(clash.code, 2);
    assert.match(
      clash.stderr,
      /^mwe-image: apachectl start: a container named mwe-test-setup-server-server exists and is not this server root's; .* --name\n$/,
    );
    assert.is(
      (await runCli(['setup-server', ...DIAGNOSTICS, '--server-root', second, '--publish-port', String(secondPort), '--name', 'mwe-test-second'])).code,
      0,
    );
    assert.is((await runCli(['apachectl', '--server-root', second, 'start'])).code, 0);
    assert.match((await runCli(['apachectl', '--server-root', second, 'status'])).stdout, /^running: mwe-test-second /);
    assert.is((await httpGet(`http://127.0.0.1:${secondPort}/`)).status, 200);
  } finally {
    await runCli(['apachectl', '--server-root', second, 'stop']);
    await runCli(['apachectl', '--server-root', first, 'stop']);
  }
  assert.not.ok(await containerExists('mwe-test-second'));
  assert.not.ok(await containerExists(CONTAINER));
});

setup('usage errors: no --server-root, an unknown action, a directory setup-server never wrote', async () => {
  const missing = await runCli(['setup-server', example('hello', 'wsgi.py')]);
  assert.is(missing.code, 2);
  assert.match(missing.stderr, /^mwe-image: required option '--server-root <DIRECTORY>' not specified\n$/);
  const action = await runCli(['apachectl', '--server-root', root, 'reload']);
  assert.is(action.code, 2);
  assert.match(action.stderr, /'reload' is invalid for argument 'ACTION'/);
  const empty = await runCli(['apachectl', '--server-root', os.tmpdir(), 'start']);
  assert.is(empty.code, 2);
  assert.match(empty.stderr, /has no server\.json; write it with mwe-image setup-server/);
});

setup('inside the image: setup-server writes a server root whose apachectl runs a second Apache with its own options', async () => {
  inImage = await startContainer('mwe-test/setup-server', { containerPort: 8081 });
  // The image's own Apache is up (it listens on 8000 inside; 8081 is for the second one).
  await until("the image's Apache started", 30, async () => (await execIn(inImage!.container, ['/usr/local/bin/mwe-healthcheck'])).code === 0);
  const written = await execIn(inImage.container, ['setup-server', '--server-root', '/tmp/root', '--port', '8081', '--threads', '3']);
  assert.is(written.code, 0, written.output);
  assert.match(
    (await execIn(inImage.container, ['cat', '/tmp/root/apachectl'])).output,
    /# Written by: setup-server --server-root \/tmp\/root --port 8081 --threads 3\n.*\nexport PORT=8081\nexport MWE_THREADS=3\n/,
  );
  assert.match((await execIn(inImage.container, ['/tmp/root/apachectl', 'configtest'])).output, /Syntax OK/);
  assert.is((await execIn(inImage.container, ['/tmp/root/apachectl', 'start'])).code, 0);
  const page = (await waitFor200(inImage.url('/'), 20)).body;
  assert.match(page, /^PORT: '8081'$/m);
  assert.match(page, /^MWE_THREADS: '3'$/m);
  assert.match(page, /^mod_wsgi\.process_group: localhost:8081$/m);
  assert.match(page, /^mod_wsgi\.threads_per_process: 3$/m);
  assert.match(
    (await execIn(inImage.container, ['/tmp/root/apachectl', 'status'])).output,
    /healthy: http:\/\/localhost\/ \(127\.0\.0\.1 port 8081\) answered 200/,
  );
  assert.is((await execIn(inImage.container, ['/tmp/root/apachectl', 'graceful'])).code, 0);
  // A request racing the restart may get mod_wsgi's 503 while the daemon process is replaced.
  await waitFor200(inImage.url('/'), 20);
  assert.is((await execIn(inImage.container, ['/tmp/root/apachectl', 'stop'])).code, 0);
  assert.ok(await refused(inImage.url('/')));
  // Its logs went to the container's output.
  const logs = (await inImage.container.logs({ stdout: true, stderr: true })).toString('utf8');
  assert.match(logs, /-f \/tmp\/root\/httpd\.conf/);

  const baked = await execIn(inImage.container, ['setup-server', '--server-root', '/tmp/other', '--url-alias', '/x', '/y']);
  assert.is(baked.code, 2);
  assert.match(baked.output, /^setup-server: --url-alias is fixed when the image is built; rebuild with mwe-image setup-server APP --url-alias/);
  const badPort = await execIn(inImage.container, ['setup-server', '--server-root', '/tmp/other', '--port', '80;rm']);
  assert.is(badPort.code, 2);
  assert.match(badPort.output, /--port: '80;rm' is not a whole number/);
});

setup('inside the image: apachectl start as the container command refuses (it would end the container)', async () => {
  const container = await docker.createContainer({
    Image: 'mwe-test/setup-server',
    Cmd: ['sh', '-c', 'setup-server --server-root /tmp/r >/dev/null && exec /usr/local/bin/mwe-entrypoint apachectl start'],
  });
  try {
    await container.start();
    const { StatusCode } = (await container.wait()) as { StatusCode: number };
    // sh is PID 1's child here, so the entrypoint is not PID 1: it starts Apache and returns 0.
    assert.is(StatusCode, 0);
  } finally {
    await container.remove({ force: true });
  }
  const direct = await docker.createContainer({ Image: 'mwe-test/setup-server', Entrypoint: ['/usr/local/bin/mwe-entrypoint'], Cmd: ['apachectl', 'start'] });
  try {
    await direct.start();
    const { StatusCode } = (await direct.wait()) as { StatusCode: number };
    assert.is(StatusCode, 2);
    const logs = (await direct.logs({ stdout: true, stderr: true })).toString('utf8');
    assert.match(logs, /apachectl start as the container's command would end with it/);
  } finally {
    await direct.remove({ force: true });
  }
});

setup.run();
