/** Framework apps: Flask from PyPI (examples/flask/requirements.txt) or from Debian's python3-flask (--system-packages), --quiet and --json. */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { docker, execIn, httpGet, removeContainer, runCli, startContainer, waitForHttp, type Running } from '../helpers/docker.js';
import { example } from '../helpers/paths.js';

const apps = suite('framework apps');
const running: Running[] = [];
const FLASK = example('flask', 'app.py');

apps.after(async () => {
  await Promise.all(running.map(removeContainer));
});

apps('a Flask app with --callable-object app, Flask from PyPI through its requirements.txt (--quiet prints the id only)', async () => {
  const result = await runCli(['build', FLASK, '--callable-object', 'app', '--mount-point', '/shop/', '--tag', 'mwe-test/flask', '--quiet']);
  assert.is(result.code, 0, result.stderr.slice(-3000));
  assert.match(result.stdout, /^sha256:[0-9a-f]{64}\n$/);
  assert.is(result.stderr, '');
  const server = await startContainer('mwe-test/flask');
  running.push(server);
  await waitForHttp(server.url('/shop/'));
  assert.is((await httpGet(server.url('/shop/'))).body, 'Hello from Flask!');
  const echo = JSON.parse((await httpGet(server.url('/shop/echo?x=1'))).body);
  assert.equal(echo, { path: '/echo', args: { x: '1' }, script_root: '/shop' });
  const flask = await execIn(server.container, ['sh', '-c', 'ls -d /opt/venv/site-packages/flask-3.*.dist-info; ls /usr/lib/python3/dist-packages 2>&1']);
  assert.match(flask.output, /^\/opt\/venv\/site-packages\/flask-3\.[\d.]+\.dist-info$/m);
  assert.not.match(flask.output, /^flask$/m, 'no Debian Flask in the image');
});

apps(
  "Flask from Debian's python3-flask (--ignore-requirements --system-packages): without --callable-object the error names the option (--json prints a summary)",
  async () => {
    const result = await runCli([
      'build',
      FLASK,
      '--ignore-requirements',
      '--system-packages',
      'python3-flask',
      '--tag',
      'mwe-test/flask-nocallable',
      '--json',
    ]);
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
    // The error reaches the container's log when the daemon process writes it: poll for it.
    const missingCallable = /has no callable named 'application'; set --callable-object/;
    let stderr = '';
    for (const deadline = Date.now() + 10000; !missingCallable.test(stderr) && Date.now() < deadline; ) {
      stderr = (await server.container.logs({ stdout: false, stderr: true })).toString();
      if (!missingCallable.test(stderr)) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    assert.match(stderr, missingCallable);
    const debian = await execIn(server.container, ['sh', '-c', 'ls -d /usr/lib/python3/dist-packages/flask /opt/venv 2>&1']);
    assert.match(debian.output, /^\/usr\/lib\/python3\/dist-packages\/flask$/m);
    assert.match(debian.output, /\/opt\/venv.*No such file or directory/, 'no virtualenv: requirements.txt was ignored');
    const image = await docker.getImage('mwe-test/flask-nocallable').inspect();
    assert.equal(image.Config.Labels['io.mwe-image.port'], '8000');
  },
);

apps.run();
