/**
 * Index credentials never reach an image (#13.1): a local index on 127.0.0.1
 * that answers only with a credential serves the dependencies (through
 * PIP_INDEX_URL and a --find-links page, both with userinfo); the build
 * succeeds, so pip had the credential, and it is in no layer, config, history
 * entry, image listing or build cache record: BuildKit got it as a secret.
 */
import { createHash, randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { docker, imageLayers, runCli, scanImage, serveImage, removeContainer, type CliResult, type Running } from '../helpers/docker.js';
import { fixture } from '../helpers/paths.js';
import { userCacheDirectory } from '../../src/host-cache.js';

const credentials = suite('index credentials');
const IMAGE = 'mwe-test/credentials-app';
const USER = 'mwe-user';
const TOKEN = `tok-${randomBytes(12).toString('hex')}`;
const CACHE = userCacheDirectory('distributions');
const WHEELS = fixture('wheelhouse');
const running: Running[] = [];
const requests: { url: string; authorized: boolean; pip: boolean }[] = [];
let server: Server;
let base = '';
let built: CliResult;

/** The distributions the index serves: the fixture wheels and the mod_wsgi sdist the host cached. */
function files(): Map<string, string> {
  const found = new Map<string, string>();
  for (const name of readdirSync(WHEELS).filter((name) => name.endsWith('.whl'))) found.set(name, path.join(WHEELS, name));
  for (const name of readdirSync(CACHE).filter((name) => /^mod_wsgi-[\d.]+\.tar\.gz$/.test(name))) found.set(name, path.join(CACHE, name));
  return found;
}

const anchor = (file: string, hostPath: string): string =>
  `<a href="/files/${file}#sha256=${createHash('sha256').update(readFileSync(hostPath)).digest('hex')}">${file}</a>`;

credentials.before(async () => {
  const served = files();
  const page = (prefix: string): string =>
    `<html><body>${[...served]
      .filter(([name]) => name.startsWith(prefix))
      .map(([name, file]) => anchor(name, file))
      .join('<br>')}</body></html>`;
  const expected = `Basic ${Buffer.from(`${USER}:${TOKEN}`).toString('base64')}`;
  server = createServer((request, response) => {
    const authorized = request.headers.authorization === expected;
    requests.push({ url: request.url!, authorized, pip: /\bpip\//.test(String(request.headers['user-agent'])) });
    if (!authorized) {
      response.writeHead(401, { 'WWW-Authenticate': 'Basic realm="mwe-test"' }).end();
      return;
    }
    // The index has mwe-greeting and mod_wsgi; mwe-words only the --find-links page.
    const pages: Record<string, string> = {
      '/simple/mwe-greeting/': page('mwe_greeting-'),
      '/simple/mod-wsgi/': page('mod_wsgi-'),
      '/links/': page('mwe_words-'),
    };
    const file = request.url?.startsWith('/files/') ? served.get(request.url.slice('/files/'.length)) : undefined;
    if (pages[request.url!]) response.writeHead(200, { 'Content-Type': 'text/html' }).end(pages[request.url!]);
    else if (file) response.writeHead(200, { 'Content-Type': 'application/octet-stream' }).end(readFileSync(file));
    else response.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  built = await runCli(
    [
      'build',
      fixture('deps-app', 'wsgi.py'),
      '--tag',
      IMAGE,
      '--progress',
      'plain',
      '--build-network',
      'host',
      '--find-links',
      `http://${USER}:${TOKEN}@${base}/links/`,
      '--trusted-host',
      '127.0.0.1',
    ],
    { PIP_INDEX_URL: `http://${USER}:${TOKEN}@${base}/simple/` },
  );
});

credentials.after(async () => {
  for (const server of running) await removeContainer(server);
  server.close();
});

credentials('the index answers only with the credential, and pip in the build used it for the index and the find-links page', async () => {
  assert.is(built.code, 0, built.stderr.slice(-3000));
  const anonymous = await fetch(`http://${base}/simple/mwe-greeting/`);
  assert.is(anonymous.status, 401, 'the index refuses a request without the credential');
  for (const url of ['/simple/mwe-greeting/', '/links/', '/files/mwe_words-1.0-py3-none-any.whl']) {
    assert.ok(
      requests.some((request) => request.pip && request.authorized && request.url === url),
      `pip fetched ${url} with the credential`,
    );
  }
  const app = await serveImage(running, IMAGE, { ok: true });
  assert.ok(app.port > 0);
});

credentials('the credential is in no layer, config, history entry, image listing, build cache record or progress line', async () => {
  const { hits, layers } = await scanImage(IMAGE, TOKEN);
  // docker save writes a layer once however often the image lists it (BuildKit repeats empty ones).
  assert.is(layers, new Set(await imageLayers(IMAGE)).size, 'every layer of the image was scanned');
  assert.equal(hits, [], `the credential is in ${hits.join(', ')}`);
  const image = docker.getImage(IMAGE);
  assert.not.ok(JSON.stringify(await image.inspect()).includes(TOKEN), 'config and labels');
  assert.not.ok(JSON.stringify(await image.history()).includes(TOKEN), 'history');
  const listed = await docker.listImages({ all: true });
  assert.not.ok(JSON.stringify(listed).includes(TOKEN), 'image listing');
  // Intermediate images would be the legacy builder's leak: the listing's ids are all inspected.
  for (const entry of listed.filter((candidate) => !candidate.RepoTags?.length || candidate.RepoTags[0] === '<none>:<none>').slice(0, 200)) {
    const history = await docker
      .getImage(entry.Id)
      .history()
      .catch(() => []);
    assert.not.ok(JSON.stringify(history).includes(TOKEN), `history of untagged image ${entry.Id}`);
  }
  const usage = await docker.df();
  assert.not.ok(JSON.stringify(usage.BuildCache ?? []).includes(TOKEN), 'build cache records');
  assert.not.ok(built.stderr.includes(TOKEN) || built.stdout.includes(TOKEN), 'progress output');
});

credentials('the legacy builder, which has no build secrets, refuses such a build in one line and tags nothing', async () => {
  const tag = 'mwe-test/credentials-legacy';
  const result = await runCli(
    ['build', fixture('deps-app', 'wsgi.py'), '--tag', tag, '--find-links', `http://${USER}:${TOKEN}@${base}/links/`, '--trusted-host', '127.0.0.1'],
    { PIP_INDEX_URL: `http://${USER}:${TOKEN}@${base}/simple/`, DOCKER_BUILDKIT: '0' },
  );
  assert.is(result.code, 1, result.stderr);
  assert.match(result.stderr.trim().split('\n').pop()!, /^mwe-image: this build needs build secrets, which only BuildKit serves; unset DOCKER_BUILDKIT=0/);
  assert.not.ok(result.stderr.includes(TOKEN));
  assert.not.ok(
    await docker
      .getImage(tag)
      .inspect()
      .then(
        () => true,
        () => false,
      ),
  );
});

credentials.run();
