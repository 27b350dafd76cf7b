/**
 * Side by side with the real mod_wsgi-express 5.0.2 (built on this host from
 * the same source tarball the toolchain used): same options, same requests,
 * same status and key headers. Where the seed says otherwise (loopback with
 * --allow-localhost, an --url-alias missing its trailing slash) the difference
 * is asserted: ours must do what the seed describes.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { readImagePath } from '../../src/docker/image-files.js';
import {
  buildWithCli, docker, httpGet, removeContainer, startContainer, startOnHostNetwork, waitForHttp, type HttpResponse, type Running,
} from '../helpers/docker.js';
import { fixture, ROOT } from '../helpers/paths.js';

const compare = suite('against mod_wsgi-express 5.0.2');
const SITE = fixture('site');
const site = (...parts: string[]) => path.join(SITE, ...parts);
let express = '';
let work = '';
const running: Running[] = [];
const servers: ChildProcess[] = [];

compare.before(async () => {
  work = mkdtempSync(path.join(tmpdir(), 'mwe-compare-'));
  chmodSync(work, 0o755); // Apache's children (www-data) read the server roots under it
  await buildWithCli([site('wsgi.py'), '--tag', 'mwe-test/compare-base']);
  const images = await docker.listImages({ filters: { label: ['io.mwe-image.kind=toolchain', 'io.mwe-image.mod-wsgi-source=debian', 'io.mwe-image.base=debian:trixie-slim'] } });
  const toolchain = images.sort((a, b) => b.Created - a.Created)[0];
  const tarball = (await readImagePath(docker, toolchain.Id, '/build/download')).find((file) => file.name.endsWith('.orig.tar.gz'))!;
  const tarballPath = path.join(work, path.basename(tarball.name));
  writeFileSync(tarballPath, tarball.content);
  const built = spawnSync('bash', [path.join(ROOT, 'scripts', 'reference-express.sh'), tarballPath, '/tmp/mwe-reference'], { encoding: 'utf8' });
  assert.is(built.status, 0, built.stderr.slice(-2000));
  express = built.stdout.trim().split('\n').pop()!;
});

compare.after(async () => {
  for (const server of servers) if (server.pid) try { process.kill(-server.pid, 'SIGTERM'); } catch { /* gone */ }
  await Promise.all(running.map(removeContainer));
  rmSync(work, { recursive: true, force: true });
});

/** Starts mod_wsgi-express on 127.0.0.1 with the options; resolves to its base URL. */
async function startExpress(options: string[]): Promise<string> {
  const port = 21000 + Math.floor(Math.random() * 9000);
  const child = spawn(express, ['start-server', site('wsgi.py'), '--host', '127.0.0.1', '--port', String(port),
    '--user', 'www-data', '--group', 'www-data', '--log-to-terminal', '--working-directory', SITE,
    '--server-root', path.join(work, `root-${port}`), ...options], { detached: true, stdio: 'ignore' });
  servers.push(child);
  const base = `http://127.0.0.1:${port}`;
  await waitForHttp(`${base}/`, 30);
  return base;
}

async function startOurs(tag: string, options: string[]): Promise<string> {
  await buildWithCli([site('wsgi.py'), '--tag', tag, ...options]);
  const server = await startContainer(tag);
  running.push(server);
  await waitForHttp(server.url('/'));
  return `http://127.0.0.1:${server.port}`;
}

const KEY_HEADERS = ['content-type', 'content-encoding', 'location'];
/** Status and key headers; the port in a Location differs by construction. */
const summary = (response: HttpResponse): Record<string, string | number> => ({
  status: response.status,
  ...Object.fromEntries(KEY_HEADERS.map((name) => [name, String(response.headers[name] ?? '').replace(/:\d+\//, ':PORT/')])),
});

interface Case {
  name: string;
  options: string[];
  requests: { path: string; headers?: Record<string, string> }[];
}

const CASES: Case[] = [
  { name: 'url-alias', options: ['--url-alias', '/static/', site('public') + '/'],
    requests: [{ path: '/static/index.html' }, { path: '/static/missing.txt' }, { path: '/app/hello' }] },
  { name: 'document-root', options: ['--document-root', site('public'), '--directory-index', 'index.html'],
    requests: [{ path: '/' }, { path: '/index.html' }, { path: '/app/hello' }] },
  { name: 'error-override', options: ['--document-root', site('public'), '--error-document', '500', '/errors/500.html', '--error-override'],
    requests: [{ path: '/app/error' }] },
  { name: 'compress', options: ['--compress-responses'],
    requests: [{ path: '/app/big', headers: { 'Accept-Encoding': 'gzip' } }, { path: '/app/big' }] },
  { name: 'setenv', options: ['--setenv', 'SETENV_KEY', 'some value'], requests: [{ path: '/app/environ' }] },
  { name: 'server-name', options: ['--server-name', 'www.example.test'],
    requests: [{ path: '/app/hello', headers: { Host: 'www.example.test' } }, { path: '/app/hello', headers: { Host: 'example.test' } }] },
];

for (const testCase of CASES) {
  compare(`${testCase.name}: same status and key headers`, async () => {
    const theirs = await startExpress(testCase.options);
    const ours = await startOurs(`mwe-test/compare-${testCase.name}`, testCase.options);
    for (const request of testCase.requests) {
      const expected = await httpGet(`${theirs}${request.path}`, 15000, request.headers);
      const actual = await httpGet(`${ours}${request.path}`, 15000, request.headers);
      const label = `${request.path} ${JSON.stringify(request.headers ?? {})}`;
      assert.equal(summary(actual), summary(expected), label);
      if (testCase.name === 'setenv') assert.match(actual.body, /^SETENV_KEY=some value$/m);
    }
  });
}

compare('--url-alias without the trailing slash: 5.0.2 answers 403, ours serves the file', async () => {
  const options = ['--url-alias', '/static/', site('public')];
  const theirs = await startExpress(options);
  const ours = await startOurs('mwe-test/compare-alias-slash', options);
  assert.is((await httpGet(`${theirs}/static/index.html`)).status, 403);
  const response = await httpGet(`${ours}/static/index.html`);
  assert.is(response.status, 200);
  assert.match(response.body, /site index/);
});

compare('--allow-localhost: 5.0.2 still refuses loopback clients, ours lets them in', async () => {
  const options = ['--server-name', 'www.example.test', '--allow-localhost'];
  const theirs = await startExpress(options);
  assert.is((await httpGet(`${theirs}/app/hello`, 15000, { Host: 'localhost' })).status, 403);
  await buildWithCli([site('wsgi.py'), '--tag', 'mwe-test/compare-localhost', ...options]);
  const ours = await startOnHostNetwork('mwe-test/compare-localhost');
  running.push(ours);
  const response = await httpGet(ours.url('/app/hello'), 15000, { Host: 'localhost' });
  assert.is(response.status, 200);
});

compare.run();
