/**
 * The vertical slice against a real engine: build example and fixture apps,
 * run them with ports on 127.0.0.1, and check what a user would see.
 */
import { cpSync, mkdtempSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { buildWithCli, docker, execIn, httpGet, imageLayers, removeContainer, runCli, serveImage, type Running } from '../helpers/docker.js';
import { assertStopLetsRequestFinish } from '../helpers/graceful.js';
import { example, fixture } from '../helpers/paths.js';

const slice = suite('vertical slice');
const running: Running[] = [];

const serve = (image: string): Promise<Running> => serveImage(running, image);

slice.before(async () => {
  await buildWithCli([example('hello', 'wsgi.py'), '--tag', 'mwe-test/hello']);
  await buildWithCli([fixture('app', 'wsgi.py'), '--tag', 'mwe-test/app', '--url-alias', '/static/', fixture('app', 'static')]);
  await buildWithCli(['--application-type', 'module', 'mod_wsgi.diagnostics.environ', '--tag', 'mwe-test/diag-environ']);
  await buildWithCli(['--application-type', 'module', 'mod_wsgi.diagnostics.hello', '--tag', 'mwe-test/diag-hello']);
});

slice.after(async () => {
  await Promise.all(running.map(removeContainer));
});

slice('the example app answers Hello World! on 127.0.0.1', async () => {
  const server = await serve('mwe-test/hello');
  const response = await httpGet(server.url('/'));
  assert.is(response.status, 200);
  assert.is(response.body, 'Hello World!');
  assert.is(response.headers.server, 'Apache');
});

slice('mod_wsgi.diagnostics.environ renders the diagnostics page', async () => {
  // mod_wsgi 6's own page (the default module): the process, then Python, mod_wsgi and Apache, then the
  // WSGI environ and the process environment as KEY: 'value' lines.
  const server = await serve('mwe-test/diag-environ');
  const response = await httpGet(server.url('/some/path?x=1'));
  assert.is(response.status, 200);
  assert.match(response.body, /^PID: \d+\nUID: 10001\nGID: 0\nCWD: \/srv\/app\n/);
  assert.match(response.body, /^PATH_INFO: '\/some\/path'$/m);
  assert.match(response.body, /^QUERY_STRING: 'x=1'$/m);
  assert.match(response.body, /^mod_wsgi\.process_group: localhost:8000$/m);
  assert.match(response.body, /^mod_wsgi\.version: \(6, \d+, \d+\)$/m);
  assert.match(response.body, /^apache\.mpm_name: event$/m);
  assert.match(response.body, /^sys\.getfilesystemencoding\(\): utf-8$/m);
  assert.match(response.body, /^python\.path: \['\/srv\/app', /m);
  assert.match(response.body, /^PORT: '8000'$/m);
});

slice('mod_wsgi.diagnostics.hello answers Hello World!', async () => {
  const server = await serve('mwe-test/diag-hello');
  const response = await httpGet(server.url('/'));
  assert.is(response.body, 'Hello World!');
});

slice('httpd and the daemon processes do not run as root', async () => {
  const server = await serve('mwe-test/app');
  const { code, output } = await execIn(server.container, ['ps', '-eo', 'pid=,uid=,gid=,args=']);
  assert.is(code, 0, output);
  const processes = output
    .trim()
    .split('\n')
    .map((line) => line.trim().split(/\s+/));
  const apache = processes.filter(([, , , command]) => command.includes('apache2') || command.startsWith('(wsgi:'));
  assert.ok(apache.length >= 2, output);
  for (const [pid, uid] of processes) assert.is.not(uid, '0', `pid ${pid} runs as root:\n${output}`);
  assert.match(
    processes
      .find(([pid]) => pid === '1')!
      .slice(3)
      .join(' '),
    /mwe-entrypoint/,
  );
  const whoami = await httpGet(server.url('/whoami'));
  assert.match(whoami.body, /^uid=10001 gid=0 /);
});

slice('docker stop lets an in-flight 3-second request finish with 200', async () => {
  await assertStopLetsRequestFinish(await serve('mwe-test/app'));
});

slice('a --url-alias file is served by Apache without entering the app', async () => {
  const server = await serve('mwe-test/app');
  const file = await httpGet(server.url('/static/marker.txt'));
  assert.is(file.status, 200);
  assert.is(file.body, readFileSync(fixture('app', 'static', 'marker.txt'), 'utf8'));
  assert.ok(file.headers.etag, 'Apache static responses carry an ETag');
  assert.is(file.headers['content-type'], 'text/plain');
  // The app answers every path with 200; a missing aliased file must be Apache's 404.
  const missing = await httpGet(server.url('/static/missing.txt'));
  assert.is(missing.status, 404);
  const app = await httpGet(server.url('/anything'));
  assert.is(app.body, 'Hello World!');
});

slice('a rebuild after changing only the app reuses the toolchain and the module layer', async () => {
  const work = mkdtempSync(path.join(tmpdir(), 'mwe-rebuild-'));
  try {
    cpSync(fixture('app'), work, { recursive: true });
    const script = path.join(work, 'wsgi.py');
    await buildWithCli([script, '--tag', 'mwe-test/rebuild:1']);
    writeFileSync(script, readFileSync(script, 'utf8').replace("b'Hello World!'", "b'Hello again!'"));
    const second = await buildWithCli([script, '--tag', 'mwe-test/rebuild:2']);
    assert.not.match(second.stderr, /Building toolchain/);
    // Progress shows the steps that run: the module's copy is not one of them.
    assert.match(second.stderr, /\nBuilt in [\d.]+s: \d+ steps run, [1-9]\d* cached\n/);
    assert.not.match(second.stderr, /^#\d+ .*COPY --from=toolchain \/out\/ \//m);

    const before = await imageLayers('mwe-test/rebuild:1');
    const after = await imageLayers('mwe-test/rebuild:2');
    assert.is(before.length, after.length);
    // The runtime root filesystem (the first layer: Apache, Python, the module) is shared;
    // the config (it records the command line) and the app layers after it are new.
    assert.is(after[0], before[0]);
    assert.ok(
      after.slice(1).some((layer, index) => layer !== before[index + 1]),
      'the app layers changed',
    );

    const server = await serve('mwe-test/rebuild:2');
    assert.is((await httpGet(server.url('/'))).body, 'Hello again!');
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
});

slice('a missing base image that cannot be pulled names the bootstrap command', async () => {
  const result = await runCli(['build', example('hello', 'wsgi.py'), '--base-image', 'mwe-test/no-such-base:1', '--tag', 'mwe-test/never-built']);
  assert.is(result.code, 1);
  const lines = result.stderr.trim().split('\n');
  assert.match(
    lines[lines.length - 1],
    /base image mwe-test\/no-such-base:1 is not present and cannot be pulled .*mwe-image base bootstrap --suite trixie --tag mwe-test\/no-such-base:1/,
  );
  const images = await docker.listImages({ filters: { reference: ['mwe-test/never-built'] } });
  assert.is(images.length, 0);
});

slice.run();
