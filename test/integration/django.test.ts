/**
 * Django projects: examples/django built from its directory as a user would,
 * Django from PyPI through its requirements.txt (and, for projects that list
 * no dependencies, from Debian's python3-django); collectstatic and the
 * STATIC_URL/MEDIA_URL aliases made in the image build and served by Apache;
 * `manage.py runmodwsgi` in the image.
 */
import { chmodSync, cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { buildWithCli, docker, execIn, httpGet, removeContainer, startContainer, waitForHttp, type Running } from '../helpers/docker.js';
import { example } from '../helpers/paths.js';

const django = suite('Django projects');
const IMAGE = 'mwe-django/example';
const running: Running[] = [];
let work: string | undefined;

/** Runs the image with a command to its end: exit code and output. */
async function runToEnd(cmd: string[]): Promise<{ code: number; output: string }> {
  const container = await docker.createContainer({ Image: IMAGE, Cmd: cmd });
  try {
    await container.start();
    const { StatusCode } = await container.wait();
    const output = (await container.logs({ stdout: true, stderr: true })).toString('utf8');
    return { code: StatusCode, output };
  } finally {
    await container.remove({ force: true });
  }
}

async function post(url: string, body: string): Promise<{ status: number; json: { url: string } }> {
  const response = await fetch(url, { method: 'POST', body });
  return { status: response.status, json: (await response.json()) as { url: string } };
}

django.before(async () => {
  const result = await buildWithCli([example('django'), '--tag', IMAGE]);
  assert.match(result.stderr, /settings mysite\.settings, WSGI mysite\.wsgi\.application/);
  assert.match(result.stderr, /Django from requirements\.txt, run by \/opt\/venv\/bin\/python \(Debian's python3-minimal added to --system-packages\)/);
});

django.after(async () => {
  await Promise.all(running.map(removeContainer));
  if (work) rmSync(work, { recursive: true, force: true });
});

django('the view answers from Django; STATIC_URL is served by Apache from the collected STATIC_ROOT', async () => {
  const server = await startContainer(IMAGE);
  running.push(server);
  await waitForHttp(server.url('/'));
  // Django is PyPI's 5.2, in the virtualenv, and python3 (manage.py's) is the virtualenv's.
  const django = await execIn(server.container, ['python3', '-c', 'import sys, django; print(sys.prefix, django.__version__, django.__file__)']);
  assert.match(django.output, /^\/opt\/venv 5\.2\.\d+ \/opt\/venv\/lib\/python3\.\d+\/site-packages\/django\/__init__\.py\n$/);
  assert.match((await execIn(server.container, ['sh', '-c', 'ls /usr/lib/python3/dist-packages'])).output, /^(?![\s\S]*django)/);
  const page = await httpGet(server.url('/'));
  assert.is(page.status, 200);
  assert.is(page.body, 'Hello from Django! Stylesheet: /static/pages/site.css\n');
  assert.is(page.headers['referrer-policy'], 'same-origin', "Django's SecurityMiddleware answered the view");
  // DEBUG is False, so Django would not serve it: Apache does, with its file headers and no middleware's.
  const css = await httpGet(server.url('/static/pages/site.css'));
  assert.is(css.status, 200);
  assert.is(css.body, readFileSync(example('django', 'pages', 'static', 'pages', 'site.css'), 'utf8'));
  assert.match(String(css.headers['content-type']), /^text\/css/);
  assert.ok(css.headers.etag && css.headers['last-modified'], JSON.stringify(css.headers));
  assert.is(css.headers['referrer-policy'], undefined);
  const missing = await httpGet(server.url('/static/pages/missing.css'));
  assert.is(missing.status, 404);
  assert.is(missing.headers['referrer-policy'], undefined, 'a missing static file is not passed to Django');
});

django('an upload saved under MEDIA_ROOT by the app is served by Apache at MEDIA_URL, also under an arbitrary UID', async () => {
  for (const user of [undefined, '4321:0']) {
    const server = await startContainer(IMAGE, { user });
    running.push(server);
    await waitForHttp(server.url('/'));
    const saved = await post(server.url('/notes/first'), `a note from ${user ?? 'app'}`);
    assert.is(saved.status, 200);
    assert.is(saved.json.url, '/media/notes/first.txt');
    const note = await httpGet(server.url(saved.json.url));
    assert.is(note.status, 200);
    assert.is(note.body, `a note from ${user ?? 'app'}`);
    assert.is(note.headers['x-content-type-options'], 'nosniff');
    assert.ok(note.headers.etag);
    assert.is(note.headers['referrer-policy'], undefined);
  }
});

django('python3 manage.py runmodwsgi --port 8123 --processes 2 starts the image server; docker stop ends it gracefully', async () => {
  const server = await startContainer(IMAGE, { containerPort: 8123, cmd: ['python3', 'manage.py', 'runmodwsgi', '--port', '8123', '--processes', '2'] });
  running.push(server);
  await waitForHttp(server.url('/'));
  assert.is((await httpGet(server.url('/'))).body, 'Hello from Django! Stylesheet: /static/pages/site.css\n');
  assert.is((await httpGet(server.url('/static/pages/site.css'))).status, 200);
  const ps = await execIn(server.container, ['ps', '-eo', 'args']);
  const daemons = ps.output.split('\n').filter((line) => line.startsWith('(wsgi:localhost:8123)'));
  assert.is(daemons.length, 2, ps.output);
  await server.container.stop({ t: 10 });
  assert.is((await server.container.inspect()).State.ExitCode, 0);
});

django('runmodwsgi --reload-on-changes: with the project bind-mounted, an edited view shows on the next requests', async () => {
  work = mkdtempSync(path.join(tmpdir(), 'mwe-django-'));
  chmodSync(work, 0o755);
  cpSync(example('django'), work, { recursive: true });
  const server = await startContainer(IMAGE, {
    cmd: ['python3', 'manage.py', 'runmodwsgi', '--reload-on-changes'],
    hostConfig: { Binds: [`${work}:/srv/app:ro`] },
  });
  running.push(server);
  await waitForHttp(server.url('/'));
  assert.match((await httpGet(server.url('/'))).body, /^Hello from Django!/);
  const views = path.join(work, 'pages', 'views.py');
  writeFileSync(views, readFileSync(views, 'utf8').replace('Hello from Django!', 'Hello from an edit!'));
  let body = '';
  for (let attempt = 0; attempt < 40 && !body.startsWith('Hello from an edit!'); attempt += 1) {
    await new Promise((resolve) => setTimeout(resolve, 250));
    body = await httpGet(server.url('/')).then(
      (response) => response.body,
      () => '',
    );
  }
  assert.match(body, /^Hello from an edit!/);
});

django('runmodwsgi --setup-only --server-root DIR writes a server root whose apachectl serves the project', async () => {
  const server = await startContainer(IMAGE, { containerPort: 8200 });
  running.push(server);
  await waitForHttp(server.url('/'), 5).catch(() => undefined); // the image's own server answers on 8000, unpublished
  const setup = await execIn(server.container, [
    'python3',
    'manage.py',
    'runmodwsgi',
    '--setup-only',
    '--server-root',
    '/tmp/root',
    '--port',
    '8200',
    '--reload-on-changes',
  ]);
  assert.is(setup.code, 0, setup.output);
  const script = (await execIn(server.container, ['cat', '/tmp/root/apachectl'])).output;
  assert.match(script, /export PORT=8200\nexport MWE_RELOAD_ON_CHANGES=1\n/);
  assert.is((await execIn(server.container, ['/tmp/root/apachectl', 'start'])).code, 0);
  assert.is((await waitForHttp(server.url('/'), 20)).body, 'Hello from Django! Stylesheet: /static/pages/site.css\n');
  assert.is((await httpGet(server.url('/static/pages/site.css'))).status, 200);
  assert.is((await execIn(server.container, ['/tmp/root/apachectl', 'stop'])).code, 0);
});

django('runmodwsgi refuses what the image fixed at build time, and its bad values, with exit code 2', async () => {
  const user = await runToEnd(['python3', 'manage.py', 'runmodwsgi', '--user', 'www-data']);
  assert.is(user.code, 2, user.output);
  assert.match(user.output, /--user is fixed when the image is built/);
  const root = await runToEnd(['python3', 'manage.py', 'runmodwsgi', '--server-root', '/tmp/x']);
  assert.is(root.code, 2, root.output);
  assert.match(root.output, /--server-root goes with --setup-only/);
  const setup = await runToEnd(['python3', 'manage.py', 'runmodwsgi', '--setup-only']);
  assert.is(setup.code, 2, setup.output);
  assert.match(setup.output, /--setup-only needs --server-root/);
  const port = await runToEnd(['python3', 'manage.py', 'runmodwsgi', '--port', '70000']);
  assert.is(port.code, 2, port.output);
  assert.match(port.output, /PORT='70000' is not a whole number from 1 to 65535/);
});

django("a project that lists no dependencies (here: --ignore-requirements) still gets Debian's python3-django", async () => {
  const tag = 'mwe-django/debian';
  const result = await buildWithCli([example('django'), '--ignore-requirements', '--tag', tag]);
  assert.match(result.stderr, /Django from Debian's python3-django \(added to --system-packages\)/);
  const server = await startContainer(tag);
  running.push(server);
  await waitForHttp(server.url('/'));
  assert.is((await httpGet(server.url('/'))).body, 'Hello from Django! Stylesheet: /static/pages/site.css\n');
  assert.is((await httpGet(server.url('/static/pages/site.css'))).status, 200);
  assert.match(
    (await execIn(server.container, ['python3', '-c', 'import django; print(django.__file__)'])).output,
    /^\/usr\/lib\/python3\/dist-packages\/django\//,
  );
});

django.run();
