/**
 * Chosen Python and mod_wsgi versions, toolchain management, and the module
 * exported from a toolchain container into the host's own Apache.
 */
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { findImage } from '../../src/docker/engine.js';
import {
  buildWithCli,
  docker,
  ensureBaseImage,
  execIn,
  httpGet,
  removeContainer,
  runCli,
  startContainer,
  waitForHttp,
  type Running,
} from '../helpers/docker.js';
import { example, fixture } from '../helpers/paths.js';

const versions = suite('versions and modules');
const running: Running[] = [];
let work = '';

versions.before(async () => {
  work = mkdtempSync(path.join(tmpdir(), 'mwe-versions-'));
  chmodSync(work, 0o755);
  await ensureBaseImage('debian:bookworm-slim', 'bookworm');
});

versions.after(async () => {
  await Promise.all(running.map(removeContainer));
  rmSync(work, { recursive: true, force: true });
});

// Debian's archive lists bookworm's mod-wsgi 4.9.4 but serves no tarball for it here: take trixie's 5.0.2 source.
const BOOKWORM = ['--python', '3.11', '--mod-wsgi', 'debian:5.0.2'];

versions('--python 3.11 builds on bookworm (Python 3.11) with mod_wsgi from another suite', async () => {
  await buildWithCli(['--application-type', 'module', 'mod_wsgi.diagnostics.environ', ...BOOKWORM, '--tag', 'mwe-test/py311']);
  const server = await startContainer('mwe-test/py311');
  running.push(server);
  await waitForHttp(server.url('/'));
  const page = (await httpGet(server.url('/'))).body;
  assert.match(page, /^version: '3\.11\.\d+ /m);
  assert.match(page, /^version: \(5, 0, 2\)$/m);
  const image = await docker.getImage('mwe-test/py311').inspect();
  assert.is(image.Config.Labels['org.opencontainers.image.base.name'], 'debian:bookworm-slim');
});

versions("--mod-wsgi debian-package: bookworm's compiled mod_wsgi 4.9.4 runs the generated config", async () => {
  const result = await buildWithCli([
    '--application-type',
    'module',
    'mod_wsgi.diagnostics.environ',
    '--python',
    '3.11',
    '--mod-wsgi',
    'debian-package',
    '--tag',
    'mwe-test/py311-494',
    '--json',
  ]);
  const summary = JSON.parse(result.stdout) as { modWsgi: string; python: string };
  assert.is(summary.modWsgi, '4.9.4');
  assert.is(summary.python, '3.11');
  const server = await startContainer('mwe-test/py311-494');
  running.push(server);
  await waitForHttp(server.url('/'));
  const page = await httpGet(server.url('/'));
  assert.is(page.status, 200);
  assert.match(page.body, /^version: \(4, 9, 4\)$/m);
  assert.match(page.body, /^version: '3\.11\.\d+ /m);
  assert.match(page.body, /^process_group: 'localhost:8000'$/m);
  const logs = (await server.container.logs({ stdout: true, stderr: true })).toString('utf8');
  assert.match(logs, /mod_wsgi\/4\.9\.4 Python\/3\.11 configured -- resuming normal operations/);
  const list = await runCli(['toolchain', 'list']);
  assert.match(list.stdout, /debian:bookworm-slim\s+Python 3\.11\s+Apache 2\.4\.\S+\s+mod_wsgi 4\.9\.4 \(debian-package\)/);
});

versions('--python 3.13t: CPython built free-threaded from source; --free-threading keeps the GIL off in the daemon', async () => {
  await buildWithCli([fixture('gil', 'wsgi.py'), '--python', '3.13t', '--free-threading', '--tag', 'mwe-test/py313t-ft']);
  const server = await startContainer('mwe-test/py313t-ft');
  running.push(server);
  await waitForHttp(server.url('/'));
  // What the request thread in the daemon process sees.
  const page = (await httpGet(server.url('/'))).body;
  assert.match(page, /^free_threaded_build: True$/m);
  assert.match(page, /^python: 3\.13\.\d+$/m);
  assert.match(page, /^prefix: \/opt\/python$/m);
  assert.match(page, /^gil_enabled: False$/m);
  // mod_wsgi 6 (the default) turns it off with WSGIFreeThreading, so the image needs no PYTHON_GIL=0.
  assert.match(page, /^mod_wsgi: ([6-9]|\d\d)\./m);
  assert.match(page, /^PYTHON_GIL: $/m);
  assert.is((await execIn(server.container, ['grep', '-cx', 'WSGIFreeThreading On', '/etc/mwe-image/httpd.conf'])).output.trim(), '1');
  // Without --free-threading the same interpreter runs requests with the GIL: the directive is what turns it off.
  await buildWithCli([fixture('gil', 'wsgi.py'), '--python', '3.13t', '--tag', 'mwe-test/py313t-gil']);
  const withGil = await startContainer('mwe-test/py313t-gil');
  running.push(withGil);
  await waitForHttp(withGil.url('/'));
  const gilPage = (await httpGet(withGil.url('/'))).body;
  assert.match(gilPage, /^free_threaded_build: True$/m);
  assert.match(gilPage, /^gil_enabled: True$/m);
  // The runtime image carries the built interpreter but no compiler or build tree.
  const probe = await docker.createContainer({
    Image: 'mwe-test/py313t-ft',
    Entrypoint: ['sh', '-c', 'ls /opt/python/bin; command -v gcc || echo no-gcc; ls /build 2>&1 | head -1'],
  });
  try {
    await probe.start();
    await probe.wait();
    const output = (await probe.logs({ stdout: true, stderr: true })).toString();
    assert.match(output, /python3\.13t/);
    assert.match(output, /no-gcc/);
    assert.match(output, /No such file or directory/);
  } finally {
    await probe.remove({ force: true });
  }
  const toolchain = (await docker.getImage('mwe-test/py313t-ft').inspect()).Config.Labels['io.mwe-image.toolchain'];
  assert.is((await docker.getImage(toolchain).inspect()).Config.Labels['io.mwe-image.python-source'], 'source:3.13t');
});

versions('--free-threading on a Python with the GIL is refused at build time', async () => {
  const result = await runCli(['build', example('hello', 'wsgi.py'), '--free-threading', '--tag', 'mwe-test/never-ft2']);
  assert.is(result.code, 2);
  assert.match(result.stderr.trim().split('\n').pop()!, /--free-threading: Python 3\.13 in this toolchain is not a free-threaded build/);
});

versions('--python that the chosen base image does not ship is refused', async () => {
  const result = await runCli(['build', example('hello', 'wsgi.py'), '--python', '3.11', '--base-image', 'debian:trixie-slim', '--tag', 'mwe-test/never-py']);
  assert.is(result.code, 2);
  assert.match(result.stderr.trim().split('\n').pop()!, /--python 3\.11: debian:trixie-slim has Python 3\.13/);
});

versions('--mod-wsgi debian:VERSION and pypi:VERSION that cannot be fetched stop with the reason', async () => {
  const missing = await runCli(['build', example('hello', 'wsgi.py'), '--mod-wsgi', 'debian:9.9.9', '--tag', 'mwe-test/never-v']);
  assert.is(missing.code, 1);
  // The archive's versions change with point releases: only that it names some.
  assert.match(missing.stderr, /Debian's source archive has no mod-wsgi 9\.9\.9 \(it has: [^)]*\b\d+\.\d+\.\d+-\d+\b[^)]*\)/);
  // An index on 127.0.0.1 where nothing listens (port 9, discard), and no other place to look.
  const pypi = await runCli(
    ['build', example('hello', 'wsgi.py'), '--mod-wsgi', 'pypi:5.0.2', '--index-url', 'http://127.0.0.1:9/simple/', '--tag', 'mwe-test/never-p'],
    { PIP_EXTRA_INDEX_URL: '', PIP_FIND_LINKS: '', PIP_NO_INDEX: '' },
  );
  assert.is(pypi.code, 1, pypi.stderr.slice(-2000));
  assert.match(pypi.stderr.trim().split('\n').pop()!, /cannot reach.*127\.0\.0\.1:9/);
  assert.not.match(pypi.stderr, /^Step \d+\//m, 'the host resolves the release before any image build starts');
  for (const tag of ['mwe-test/never-v', 'mwe-test/never-p']) assert.not.ok(await findImage(docker, tag));
});

versions('module-location, module-config and install-module export the container-built module', async () => {
  const location = await runCli(['module-location', ...BOOKWORM, '--output', path.join(work, 'exported')]);
  assert.is(location.code, 0, location.stderr);
  const modulePath = location.stdout.trim();
  assert.match(modulePath, /\/exported\/mod_wsgi-py311\.cpython-311-x86_64-linux-gnu\.so$/);
  assert.ok(existsSync(modulePath));
  const config = await runCli(['module-config', ...BOOKWORM, '--output', path.join(work, 'exported')]);
  assert.is(config.stdout, `LoadModule wsgi_module "${modulePath}"\nWSGIPythonHome "/usr"\n`);

  const modules = path.join(work, 'modules');
  spawnSync('mkdir', ['-p', modules]);
  const installed = await runCli(['install-module', ...BOOKWORM, '--modules-directory', modules]);
  assert.is(installed.code, 0, installed.stderr);
  assert.match(installed.stdout, /^LoadModule wsgi_module ".*\/modules\/mod_wsgi-py311\.cpython-311-x86_64-linux-gnu\.so"\nWSGIPythonHome "\/usr"\n$/);
});

versions("the installed module serves a request in the host's Debian Apache", async () => {
  // The host is bookworm: its Apache and libpython3.11 match the bookworm toolchain.
  const packages = spawnSync('sh', ['-c', 'dpkg-query -W -f "${Status}\\n" apache2-bin libpython3.11 | grep -c "ok installed"'], { encoding: 'utf8' });
  if (packages.stdout.trim() !== '2') {
    const install = spawnSync(
      'sh',
      ['-c', 'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends apache2-bin libpython3.11'],
      { encoding: 'utf8' },
    );
    assert.is(install.status, 0, install.stderr);
  }
  const modules = path.join(work, 'host-modules');
  spawnSync('mkdir', ['-p', modules]);
  const installed = await runCli(['install-module', ...BOOKWORM, '--modules-directory', modules]);
  assert.is(installed.code, 0, installed.stderr);
  const root = path.join(work, 'host-apache');
  spawnSync('mkdir', ['-p', root]);
  chmodSync(root, 0o755);
  writeFileSync(
    path.join(root, 'hello.wsgi'),
    "def application(environ, start_response):\n    start_response('200 OK', [('Content-Type', 'text/plain')])\n    import sys\n    return [('host apache, python %d.%d' % sys.version_info[:2]).encode()]\n",
  );
  const port = 22000 + Math.floor(Math.random() * 8000);
  writeFileSync(
    path.join(root, 'httpd.conf'),
    [
      `ServerRoot "${root}"`,
      `PidFile "${root}/httpd.pid"`,
      `ErrorLog "${root}/error.log"`,
      'LogLevel info',
      `Listen 127.0.0.1:${port}`,
      'ServerName localhost',
      'LoadModule mpm_event_module /usr/lib/apache2/modules/mod_mpm_event.so',
      'LoadModule authz_core_module /usr/lib/apache2/modules/mod_authz_core.so',
      'User www-data',
      'Group www-data',
      installed.stdout.trim(),
      `WSGISocketPrefix "${root}/wsgi"`,
      'WSGIDaemonProcess hello threads=2',
      `WSGIScriptAlias / "${root}/hello.wsgi" process-group=hello application-group=%{GLOBAL}`,
      `<Directory "${root}">`,
      '    Require all granted',
      '</Directory>',
      '',
    ].join('\n'),
  );
  const apache = spawn('/usr/sbin/apache2', ['-DFOREGROUND', '-f', path.join(root, 'httpd.conf')], { stdio: 'ignore', detached: true });
  try {
    await waitForHttp(`http://127.0.0.1:${port}/`, 20);
    const response = await httpGet(`http://127.0.0.1:${port}/`);
    assert.is(response.status, 200);
    assert.is(response.body, 'host apache, python 3.11');
  } finally {
    if (apache.pid)
      try {
        process.kill(-apache.pid, 'SIGTERM');
      } catch {
        /* already gone */
      }
  }
});

versions('toolchain list shows each toolchain; prune removes the ones no app image uses', async () => {
  const list = await runCli(['toolchain', 'list']);
  assert.is(list.code, 0, list.stderr);
  assert.match(
    list.stdout,
    /^mwe-image\/toolchain:\S+\s+debian:bookworm-slim\s+Python 3\.11\s+Apache 2\.4\.\S+\s+mod_wsgi 5\.0\.2 \(debian:5\.0\.2\)\s+\d+ MB\s+\d+ app images?$/m,
  );
  // Whatever the default mod_wsgi source resolved to (e.g. 'mod_wsgi 6.1.1 (pypi:6.1.1)').
  assert.match(list.stdout, /debian:trixie-slim\s+Python 3\.13\s+Apache 2\.4\.\S+\s+mod_wsgi \d+\.\d+\.\d+ \(\S+\)/);
  // An extra tag on a toolchain image: a toolchain no app image was built on.
  const toolchains = await docker.listImages({ filters: { label: ['io.mwe-image.kind=toolchain'] } });
  await docker.getImage(toolchains[0].Id).tag({ repo: 'mwe-image/toolchain', tag: 'unused-test' });
  const dryRun = await runCli(['toolchain', 'prune', '--dry-run']);
  assert.match(dryRun.stdout, /^would remove mwe-image\/toolchain:unused-test /m);
  assert.ok(await findImage(docker, 'mwe-image/toolchain:unused-test'));
  const inUse = (await docker.getImage('mwe-test/py311').inspect()).Config.Labels['io.mwe-image.toolchain'];
  assert.not.ok(dryRun.stdout.includes(inUse));
  const prune = await runCli(['toolchain', 'prune']);
  assert.match(prune.stdout, /^removed mwe-image\/toolchain:unused-test /m);
  assert.not.ok(await findImage(docker, 'mwe-image/toolchain:unused-test'));
  assert.ok(await findImage(docker, inUse));
});

versions.run();
