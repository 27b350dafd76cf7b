/** Framework apps: Flask from Debian's python3-flask, --system-packages, --quiet and --json. */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { docker, httpGet, removeContainer, runCli, startContainer, waitForHttp, type Running } from '../helpers/docker.js';
import { example } from '../helpers/paths.js';

const apps = suite('framework apps');
const running: Running[] = [];
const FLASK = example('flask', 'app.py');

apps.after(async () => {
  await Promise.all(running.map(removeContainer));
});

apps('a Flask app with --callable-object app and --system-packages python3-flask (--quiet prints the id only)', async () => {
  const result = await runCli(['build', FLASK, '--callable-object', 'app', '--system-packages', 'python3-flask', '--mount-point', '/shop/', '--tag', 'mwe-test/flask', '--quiet']);
  assert.is(result.code, 0, result.stderr.slice(-3000));
  assert.match(result.stdout, /^sha256:[0-9a-f]{64}\n$/);
  assert.is(result.stderr, '');
  const server = await startContainer('mwe-test/flask');
  running.push(server);
  await waitForHttp(server.url('/shop/'));
  assert.is((await httpGet(server.url('/shop/'))).body, 'Hello from Flask!');
  const echo = JSON.parse((await httpGet(server.url('/shop/echo?x=1'))).body);
  assert.equal(echo, { path: '/echo', args: { x: '1' }, script_root: '/shop' });
});

apps('without --callable-object the error names the option (--json prints a summary)', async () => {
  const result = await runCli(['build', FLASK, '--system-packages', 'python3-flask', '--tag', 'mwe-test/flask-nocallable', '--json']);
  assert.is(result.code, 0, result.stderr.slice(-3000));
  const summary = JSON.parse(result.stdout);
  assert.is(summary.image, 'mwe-test/flask-nocallable');
  assert.match(summary.id, /^sha256:/);
  assert.match(summary.modWsgi, /^6\./); // the default: the newest mod_wsgi on PyPI
  assert.ok(summary.cachedSteps > 0 && summary.sizeBytes > 0);
  const server = await startContainer('mwe-test/flask-nocallable');
  running.push(server);
  await waitForHttp(server.url('/'));
  assert.is((await httpGet(server.url('/'))).status, 500);
  await new Promise((resolve) => setTimeout(resolve, 300));
  const stderr = (await server.container.logs({ stdout: false, stderr: true })).toString();
  assert.match(stderr, /has no callable named 'application'; set --callable-object/);
  const image = await docker.getImage('mwe-test/flask-nocallable').inspect();
  assert.equal(image.Config.Labels['io.mwe-image.port'], '8000');
});

apps.run();
