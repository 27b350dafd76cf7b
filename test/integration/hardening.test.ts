/**
 * Hardening (issue #13, files, paths and `$`): what a build copies into an
 * image and what Apache serves from it, in a real image and container.
 * - a host file of mode 0600 stays unreadable to the app user (uid 10001);
 * - likely secrets (.env, private keys, *.pem, *.key, .ssh/) are in no layer,
 *   one warning line names each; a .dockerignore negation brings one back;
 * - .htaccess/.htpasswd under the document root and an alias answer 403,
 *   other files 200;
 * - an alias directory named through a symbolic link is served; a link inside
 *   a copied tree stays a link and is served;
 * - refused command lines (system and outside paths, the app as document
 *   root, a link leaving the tree, `$`) end with exit 2, one line, no image.
 */
import { randomUUID } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import {
  buildWithCli,
  docker,
  execIn,
  httpGet,
  imageLayers,
  removeContainer,
  runCli,
  scanImage,
  startContainer,
  startOnHostNetwork,
  waitForHttp,
  type CliResult,
  type Running,
} from '../helpers/docker.js';

const hardening = suite('hardening');
const IMAGE = 'mwe-test/hardening';
/** New every run: a secret file that reached a layer would show up in the scan. */
const MARK = `mwe-hardening-${randomUUID()}`;
const SECRETS: Record<string, string> = {
  '.env': `API_TOKEN=${MARK}-env`,
  '.env.production': `API_TOKEN=${MARK}-env-production`,
  id_rsa: `-----BEGIN OPENSSH PRIVATE KEY-----\n${MARK}-id-rsa\n`,
  'tls/server.pem': `${MARK}-pem`,
  'conf/site.key': `${MARK}-key`,
  '.ssh/config': `${MARK}-ssh`,
};
let work = '';
let app = '';
let built: CliResult;
let server: Running | undefined;

const write = (file: string, content: string, mode = 0o644): void => {
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, content);
  chmodSync(file, mode);
};

hardening.before(async () => {
  work = realpathSync(mkdtempSync(path.join(tmpdir(), 'mwe-hardening-')));
  chmodSync(work, 0o755);
  app = path.join(work, 'app');
  write(
    path.join(app, 'wsgi.py'),
    [
      'def application(environ, start_response):',
      "    start_response('200 OK', [('Content-Type', 'text/plain')])",
      "    return [b'app answered ' + environ['PATH_INFO'].encode()]",
      '',
    ].join('\n'),
  );
  write(path.join(app, 'private.txt'), 'only the owner reads this\n', 0o600);
  write(path.join(app, 'public.txt'), 'anyone reads this\n');
  for (const [name, content] of Object.entries(SECRETS)) write(path.join(app, name), content, 0o600);
  // Brought back by the negation below; otherwise a .env* file like the others.
  write(path.join(app, '.env.example'), `API_TOKEN=${MARK}-example\n`);
  write(path.join(app, '.dockerignore'), '!.env.example\n');
  // The document root, inside the app directory, with Apache's access files and a link inside the tree.
  write(path.join(app, 'public', 'index.html'), 'index page\n');
  write(path.join(app, 'public', '.htaccess'), '# nothing\n');
  write(path.join(app, 'public', '.htpasswd'), 'user:$apr1$x$y\n');
  write(path.join(app, 'assets', 'site.css'), 'body { color: black }\n');
  symlinkSync('../assets/site.css', path.join(app, 'public', 'style.css'));
  // An alias directory named through a link (outside the build's directories: --allow-outside-paths).
  write(path.join(work, 'static-real', 'logo.txt'), 'logo\n');
  write(path.join(work, 'static-real', '.htpasswd'), 'user:hash\n');
  write(path.join(work, 'static-real', '.htaccess'), '# nothing\n');
  symlinkSync(path.join(work, 'static-real'), path.join(work, 'static'));

  await docker
    .getImage(IMAGE)
    .remove({ force: true })
    .catch(() => undefined);
  built = await runCli([
    'build',
    path.join(app, 'wsgi.py'),
    '--tag',
    IMAGE,
    '--document-root',
    path.join(app, 'public'),
    '--url-alias',
    '/static/',
    path.join(work, 'static'),
    '--allow-outside-paths',
  ]);
  assert.is(built.code, 0, built.stderr.slice(-3000));
  server = await startContainer(IMAGE);
  await waitForHttp(server.url('/'), 60);
});

hardening.after(async () => {
  await removeContainer(server);
  if (work) rmSync(work, { recursive: true, force: true });
});

hardening("a 0600 file stays unreadable to the app user; files are root's with the host's modes", async () => {
  const denied = await execIn(server!.container, ['cat', '/srv/app/private.txt']);
  assert.is.not(denied.code, 0, denied.output);
  assert.match(denied.output, /Permission denied/);
  assert.is((await execIn(server!.container, ['id', '-u'])).output.trim(), '10001');
  const readable = await execIn(server!.container, ['cat', '/srv/app/public.txt']);
  assert.is(readable.code, 0);
  assert.is(readable.output, 'anyone reads this\n');
  const modes = (await execIn(server!.container, ['stat', '-c', '%n %a %U %G', '/srv/app', '/srv/app/private.txt', '/srv/app/public.txt', '/srv/app/public']))
    .output;
  assert.is(modes, '/srv/app 755 root root\n/srv/app/private.txt 600 root root\n/srv/app/public.txt 644 root root\n/srv/app/public 755 root root\n');
});

hardening('likely secrets are left out with one warning line naming each; the negated one is in', async () => {
  const warnings = built.stderr.split('\n').filter((line) => /left out of the image/.test(line));
  assert.is(warnings.length, 1, built.stderr);
  for (const name of ['.env', '.env.production', 'id_rsa', 'tls/server.pem', 'conf/site.key', '.ssh']) {
    assert.ok(warnings[0].includes(path.join(app, name)), `${name} not named in: ${warnings[0]}`);
  }
  assert.not.ok(warnings[0].includes('.env.example'), warnings[0]);
  const listing = (await execIn(server!.container, ['ls', '-a', '/srv/app', '/srv/app/tls', '/srv/app/conf'])).output;
  assert.match(listing, /\n\.env\.example\n/);
  assert.not.match(listing, /\n(\.env|\.env\.production|id_rsa|server\.pem|site\.key|\.ssh)\n/);
});

hardening('no secret file is in any layer, history entry or the config; the negated .env.example is', async () => {
  const { hits, layers } = await scanImage(IMAGE, MARK);
  // docker save writes a layer once however often the image lists it (BuildKit repeats empty ones).
  assert.is(layers, new Set(await imageLayers(IMAGE)).size, 'every layer of the image was scanned');
  assert.equal(
    hits.filter((hit) => !hit.endsWith('srv/app/.env.example')),
    [],
    `secrets found in ${hits.join(', ')}`,
  );
  assert.ok(
    hits.some((hit) => hit.endsWith('srv/app/.env.example')),
    `the negated .env.example is not in the image: ${hits.join(', ')}`,
  );
  assert.not.ok(JSON.stringify(await docker.getImage(IMAGE).history()).includes(MARK));
});

hardening('.htaccess and .htpasswd get 403 under the document root and an alias; other files 200', async () => {
  for (const url of ['/.htaccess', '/.htpasswd', '/static/.htpasswd', '/static/.htaccess']) {
    const response = await httpGet(server!.url(url));
    assert.is(response.status, 403, `${url}: ${response.status} ${response.body.slice(0, 200)}`);
    assert.not.match(response.body, /user:/);
  }
  const index = await httpGet(server!.url('/index.html'));
  assert.is(index.status, 200);
  assert.is(index.body, 'index page\n');
  assert.is((await httpGet(server!.url('/some/path'))).body, 'app answered /some/path');
});

hardening('.ht* stays denied to the loopback clients --allow-localhost lets in under any Host', async () => {
  const tag = 'mwe-test/hardening-localhost';
  await buildWithCli([
    path.join(app, 'wsgi.py'),
    '--tag',
    tag,
    '--document-root',
    path.join(app, 'public'),
    '--server-name',
    'www.example.test',
    '--allow-localhost',
  ]);
  const local = await startOnHostNetwork(tag);
  try {
    for (const host of ['localhost', 'www.example.test']) {
      assert.is((await httpGet(local.url('/.htpasswd'), 15000, { Host: host })).status, 403, host);
      assert.is((await httpGet(local.url('/index.html'), 15000, { Host: host })).status, 200, host);
    }
  } finally {
    await removeContainer(local);
  }
});

hardening('an alias directory named through a link is served; a link inside the tree stays a link and is served', async () => {
  const logo = await httpGet(server!.url('/static/logo.txt'));
  assert.is(logo.status, 200, logo.body);
  assert.is(logo.body, 'logo\n');
  const style = await httpGet(server!.url('/style.css'));
  assert.is(style.status, 200, style.body);
  assert.is(style.body, 'body { color: black }\n');
  assert.is((await execIn(server!.container, ['readlink', '/srv/app/public/style.css'])).output, '../assets/site.css\n');
  assert.is((await execIn(server!.container, ['stat', '-c', '%F', '/srv/static/0'])).output, 'directory\n');
});

hardening('refused: system and outside paths, the app as document root, a link leaving the tree, $ (exit 2, one line, no image)', async () => {
  const leaky = path.join(work, 'leaky');
  write(path.join(leaky, 'wsgi.py'), 'application = None\n');
  symlinkSync('/etc/passwd', path.join(leaky, 'passwd'));
  const tag = 'mwe-test/hardening-refused';
  const APP = path.join(app, 'wsgi.py');
  const cases: [string[], RegExp][] = [
    [
      [APP, '--url-alias', '/etc/', '/etc'],
      /^mwe-image: --url-alias: '\/etc' is outside the app directory \(.*\) and the current directory \(.*\); move it there, or add --allow-outside-paths/,
    ],
    [[APP, '--document-root', '/', '--allow-outside-paths'], /^mwe-image: --document-root: '\/' is the root directory, which is never copied into an image/],
    [[APP, '--url-alias', '/p/', '/proc/self/', '--allow-outside-paths'], /^mwe-image: --url-alias: '\/proc\/\d+' is under \/proc/],
    [[APP, '--document-root', app], /^mwe-image: --document-root: '.*\/app' is or contains the app directory .* add --allow-app-in-document-root/],
    [
      [path.join(leaky, 'wsgi.py')],
      /^mwe-image: APP: '.*\/leaky\/passwd' is a symbolic link to '\/etc\/passwd', outside '.*\/leaky', which the image cannot follow/,
    ],
    [[APP, '--log-directory', '/tmp/${IFS}logs'], /^mwe-image: --log-directory: '\/tmp\/\$\{IFS\}logs' contains \$, which Apache and Docker would expand/],
    [[APP, '--setenv', 'GREETING', 'hi $USER'], /^mwe-image: --setenv: 'hi \$USER' contains \$/],
  ];
  for (const [args, pattern] of cases) {
    const result = await runCli(['build', ...args, '--tag', tag]);
    assert.is(result.code, 2, `${args.join(' ')}: ${result.stderr}`);
    assert.match(result.stderr, pattern);
    assert.is(result.stderr.split('\n').filter(Boolean).length, 1, result.stderr);
    assert.is(result.stdout, '');
    assert.is(
      await docker
        .getImage(tag)
        .inspect()
        .then(
          () => 'exists',
          () => 'none',
        ),
      'none',
      `${args.join(' ')} made an image`,
    );
  }
});

hardening.run();
