/** `mwe-image start-server`: build, run in the foreground, logs here, Ctrl-C stops gracefully. */
import { spawn } from 'node:child_process';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { docker, httpGet, runCli, waitForHttp } from '../helpers/docker.js';
import { CLI, example } from '../helpers/paths.js';

const startServer = suite('start-server');

startServer('serves in the foreground with logs on the terminal; Ctrl-C stops it gracefully with status 0', async () => {
  const port = 23000 + Math.floor(Math.random() * 5000);
  const child = spawn(process.execPath, [CLI, 'start-server', example('hello', 'wsgi.py'), '--tag', 'mwe-test/start-server', '--publish-port', String(port)]);
  let stderr = '';
  child.stderr.on('data', (chunk) => (stderr += chunk));
  const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
  try {
    await waitForHttp(`http://127.0.0.1:${port}/`, 120);
    assert.is((await httpGet(`http://127.0.0.1:${port}/`)).body, 'Hello World!');
    assert.match(stderr, new RegExp(`Serving mwe-test/start-server on http://127\\.0\\.0\\.1:${port}/`));
    assert.match(stderr, /resuming normal operations/);
    child.kill('SIGINT');
    assert.is(await exited, 0);
    assert.match(stderr, /caught SIGWINCH, shutting down gracefully/);
    const left = await docker.listContainers({ all: true, filters: { ancestor: ['mwe-test/start-server'] } });
    assert.is(left.length, 0);
  } finally {
    child.kill('SIGKILL');
  }
});

startServer("the server's exit status is the command's", async () => {
  const result = await runCli(['start-server', example('hello', 'wsgi.py'), '--tag', 'mwe-test/start-server', '--publish-port', String(28000 + Math.floor(Math.random() * 1000)), '--env', 'PORT=not-a-port']);
  assert.is(result.code, 2);
  assert.match(result.stderr, /PORT='not-a-port' is not a whole number/);
});

startServer.run();
