/**
 * The host-side package index client: pip's precedence of settings, the
 * Simple API (JSON and HTML) of a local index on 127.0.0.1, find-links
 * directories, and the one-line failures.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { recordedCommandLine } from '../../src/pipeline.js';
import { RuntimeFailure } from '../../src/errors.js';
import {
  compareVersions,
  DEFAULT_INDEX_URL,
  fetchDistribution,
  findSourceDistribution,
  indexConfig,
  redactUrl,
  sdistVersion,
  type IndexConfig,
} from '../../src/package-index.js';

const index = suite('package index');
const SDIST = Buffer.from('not really a tarball');
const SHA256 = createHash('sha256').update(SDIST).digest('hex');
let server: Server;
let base = '';
const seen: { url: string; accept: string; authorization?: string }[] = [];
/** What /changing/ lists, and the Cache-Control it answers with. */
const changing = { versions: ['6.0.0'], cacheControl: '' };

index.before(async () => {
  process.env.XDG_CACHE_HOME = mkdtempSync(path.join(os.tmpdir(), 'mwe-cache-'));
  server = createServer((request, response) => {
    seen.push({ url: request.url!, accept: String(request.headers.accept), authorization: request.headers.authorization });
    if (request.url === '/json/mod-wsgi/') {
      response.setHeader('Content-Type', 'application/vnd.pypi.simple.v1+json');
      response.end(
        JSON.stringify({
          files: [
            { filename: 'mod_wsgi-5.0.2.tar.gz', url: '../../files/mod_wsgi-5.0.2.tar.gz', hashes: { sha256: SHA256 } },
            { filename: 'mod_wsgi-6.0.10.tar.gz', url: '/files/mod_wsgi-6.0.10.tar.gz', hashes: { sha256: SHA256 } },
            { filename: 'mod_wsgi-6.0.9.tar.gz', url: '/files/mod_wsgi-6.0.9.tar.gz', hashes: { sha256: SHA256 } },
            { filename: 'mod_wsgi-7.0.0rc1.tar.gz', url: '/files/mod_wsgi-7.0.0rc1.tar.gz', hashes: { sha256: SHA256 } },
            { filename: 'mod_wsgi-6.1.0.tar.gz', url: '/files/mod_wsgi-6.1.0.tar.gz', hashes: { sha256: SHA256 }, yanked: 'broken' },
            { filename: 'mod_wsgi-6.0.10-cp313-cp313-linux_x86_64.whl', url: '/files/x.whl' },
          ],
        }),
      );
    } else if (request.url === '/changing/mod-wsgi/') {
      response.setHeader('Content-Type', 'application/vnd.pypi.simple.v1+json');
      if (changing.cacheControl) response.setHeader('Cache-Control', changing.cacheControl);
      response.end(
        JSON.stringify({ files: changing.versions.map((version) => ({ filename: `mod_wsgi-${version}.tar.gz`, url: `/files/mod_wsgi-${version}.tar.gz` })) }),
      );
    } else if (request.url === '/html/mod-wsgi/') {
      response.setHeader('Content-Type', 'text/html');
      response.end(
        `<html><body><a href="/files/mod_wsgi-4.9.4.tar.gz#sha256=${SHA256}">mod_wsgi-4.9.4.tar.gz</a><br><a href="/files/mod_wsgi-4.9.3.tar.gz">mod_wsgi-4.9.3.tar.gz</a></body></html>`,
      );
    } else if (request.url === '/files/mod_wsgi-6.0.10.tar.gz' || request.url === '/files/mod_wsgi-4.9.4.tar.gz') {
      response.end(SDIST);
    } else if (request.url === '/files/mod_wsgi-6.0.9.tar.gz') {
      response.end('altered');
    } else {
      response.statusCode = 404;
      response.end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

index.after(() => {
  server.close();
});

const config = (overrides: Partial<IndexConfig>): IndexConfig => ({
  indexUrl: `${base}/json/`,
  extraIndexUrls: [],
  findLinks: [],
  trustedHosts: [],
  noIndex: false,
  ...overrides,
});

const failure = async (promise: Promise<unknown>, pattern: RegExp): Promise<void> => {
  try {
    await promise;
  } catch (error) {
    assert.instance(error, RuntimeFailure);
    assert.match((error as Error).message, pattern);
    assert.not.match((error as Error).message, /\n/);
    return;
  }
  assert.unreachable('expected a failure');
};

index('flags win over PIP_* variables, which win over pip config; PyPI when nothing is set', () => {
  const pipConfig = () => ({ 'global.index-url': 'https://mirror.example/simple/', 'global.trusted-host': 'mirror.example' });
  const env = { PIP_EXTRA_INDEX_URL: 'https://a.example/simple https://b.example/simple', PIP_FIND_LINKS: '/srv/wheels', PIP_TRUSTED_HOST: 'a.example' };
  const fromEnv = indexConfig({}, env, pipConfig);
  assert.is(fromEnv.indexUrl, 'https://mirror.example/simple/');
  assert.equal(fromEnv.extraIndexUrls, ['https://a.example/simple', 'https://b.example/simple']);
  assert.equal(fromEnv.findLinks, ['/srv/wheels']);
  assert.equal(fromEnv.trustedHosts, ['a.example']);
  const fromFlags = indexConfig(
    { indexUrl: 'https://flag.example/simple/', findLinks: ['https://links.example/'] },
    { ...env, PIP_INDEX_URL: 'https://env.example/simple/' },
    pipConfig,
  );
  assert.is(fromFlags.indexUrl, 'https://flag.example/simple/');
  assert.equal(fromFlags.findLinks, ['https://links.example/']);
  assert.is(indexConfig({}, { PIP_INDEX_URL: 'https://env.example/simple/' }, pipConfig).indexUrl, 'https://env.example/simple/');
  assert.is(indexConfig({}, {}, () => ({})).indexUrl, DEFAULT_INDEX_URL);
  assert.is(indexConfig({}, { PIP_NO_INDEX: '1' }, () => ({})).noIndex, true);
});

index('versions: sdist names of the project only, numeric order, pre-releases last', () => {
  assert.is(sdistVersion('mod_wsgi-6.1.1.tar.gz', 'mod_wsgi'), '6.1.1');
  assert.is(sdistVersion('mod-wsgi-6.1.1.tar.gz', 'mod_wsgi'), '6.1.1');
  assert.is(sdistVersion('mod_wsgi_telemetry-1.1.0.tar.gz', 'mod_wsgi'), undefined);
  assert.is(sdistVersion('mod_wsgi-6.1.1-cp313-cp313-linux_x86_64.whl', 'mod_wsgi'), undefined);
  assert.ok(compareVersions('6.0.10', '6.0.9') > 0);
  assert.ok(compareVersions('7.0.0rc1', '7.0.0') < 0);
  assert.is(compareVersions('6.1', '6.1'), 0);
});

index('the newest release of a JSON index: no pre-release, no yanked file, no wheel; downloaded once and checked', async () => {
  const settings = config({});
  const { distribution } = await findSourceDistribution('mod_wsgi', undefined, settings, '--mod-wsgi');
  assert.is(distribution.version, '6.0.10');
  assert.is(distribution.location, `${base}/files/mod_wsgi-6.0.10.tar.gz`);
  assert.match(seen.find((request) => request.url === '/json/mod-wsgi/')!.accept, /application\/vnd\.pypi\.simple\.v1\+json/);
  const file = await fetchDistribution(distribution, settings, '--mod-wsgi');
  assert.equal(readFileSync(file), SDIST);
  const downloads = seen.filter((request) => request.url === '/files/mod_wsgi-6.0.10.tar.gz').length;
  assert.is(await fetchDistribution(distribution, settings, '--mod-wsgi'), file);
  assert.is(seen.filter((request) => request.url === '/files/mod_wsgi-6.0.10.tar.gz').length, downloads, 'cached, not fetched again');
  const pinned = await findSourceDistribution('mod_wsgi', '5.0.2', settings, '--mod-wsgi');
  assert.is(pinned.distribution.location, `${base}/files/mod_wsgi-5.0.2.tar.gz`, 'relative URLs resolve against the page');
  const altered = await findSourceDistribution('mod_wsgi', '6.0.9', settings, '--mod-wsgi');
  await failure(
    fetchDistribution(altered.distribution, settings, '--mod-wsgi'),
    /^--mod-wsgi: mod_wsgi-6\.0\.9\.tar\.gz from .* does not match the index's sha256/,
  );
});

index('an HTML index with credentials: Basic auth sent, never shown; an extra index and a find-links directory join in', async () => {
  const links = mkdtempSync(path.join(os.tmpdir(), 'mwe-links-'));
  writeFileSync(path.join(links, 'mod_wsgi-4.9.5.tar.gz'), SDIST);
  const authed = `http://user:s3cret@127.0.0.1:${new URL(base).port}/html/`;
  const found = await findSourceDistribution('mod_wsgi', undefined, config({ indexUrl: authed, findLinks: [links] }), '--mod-wsgi');
  assert.is(found.distribution.version, '4.9.5');
  assert.is(found.distribution.location, path.join(links, 'mod_wsgi-4.9.5.tar.gz'));
  assert.is(seen.find((request) => request.url === '/html/mod-wsgi/')!.authorization, `Basic ${Buffer.from('user:s3cret').toString('base64')}`);
  const html = await findSourceDistribution('mod_wsgi', '4.9.4', config({ indexUrl: authed }), '--mod-wsgi');
  assert.is(html.distribution.sha256, SHA256);
  const extra = await findSourceDistribution('mod_wsgi', '4.9.3', config({ extraIndexUrls: [`${base}/html/`] }), '--mod-wsgi');
  assert.is(extra.distribution.version, '4.9.3');
  assert.is(redactUrl(authed), `http://***@127.0.0.1:${new URL(base).port}/html/`);
  await failure(
    findSourceDistribution('mod_wsgi', '9.9', config({ indexUrl: authed }), '--mod-wsgi'),
    /^--mod-wsgi: no source distribution of mod_wsgi==9\.9 in http:\/\/\*\*\*@127\.0\.0\.1:\d+\/html\/ \(versions there: 4\.9\.3 4\.9\.4\); give another version or for offline builds/,
  );
});

index('an index that refuses connections: one line naming it and the offline way; a find-links directory still works', async () => {
  const refused = 'http://127.0.0.1:9/simple/';
  await failure(
    findSourceDistribution('mod_wsgi', undefined, config({ indexUrl: refused }), '--mod-wsgi'),
    /^--mod-wsgi: cannot reach http:\/\/127\.0\.0\.1:9\/simple\/ \(ECONNREFUSED\) to find mod_wsgi; check the index URL and the network, or for offline builds put its source tarball .* --find-links DIRECTORY$/,
  );
  const links = mkdtempSync(path.join(os.tmpdir(), 'mwe-links-'));
  writeFileSync(path.join(links, 'mod_wsgi-6.1.1.tar.gz'), SDIST);
  const offline = await findSourceDistribution('mod_wsgi', undefined, config({ indexUrl: refused, findLinks: [links] }), '--mod-wsgi');
  assert.is(offline.distribution.version, '6.1.1');
  assert.equal(offline.unreachable, ['http://127.0.0.1:9/simple/ (ECONNREFUSED)']);
  const noIndex = await findSourceDistribution('mod_wsgi', undefined, config({ indexUrl: refused, findLinks: [links], noIndex: true }), '--mod-wsgi');
  assert.equal(noIndex.unreachable, [], 'PIP_NO_INDEX: the index is not asked');
});

index('index pages are reused while fresh; a version they lack, or a no-store page, is asked for again', async () => {
  const settings = config({ indexUrl: `${base}/changing/` });
  const pageRequests = () => seen.filter((request) => request.url === '/changing/mod-wsgi/').length;
  assert.is((await findSourceDistribution('mod_wsgi', undefined, settings, '--mod-wsgi')).distribution.version, '6.0.0');
  assert.is(pageRequests(), 1);
  changing.versions = ['6.0.0', '6.0.1'];
  assert.is((await findSourceDistribution('mod_wsgi', undefined, settings, '--mod-wsgi')).distribution.version, '6.0.0', 'the newest as of ten minutes ago');
  assert.is(pageRequests(), 1, 'a warm rebuild does not ask the index');
  assert.is((await findSourceDistribution('mod_wsgi', '6.0.1', settings, '--mod-wsgi')).distribution.version, '6.0.1', 'a pinned new release');
  assert.is(pageRequests(), 2);
  assert.is((await findSourceDistribution('mod_wsgi', undefined, settings, '--mod-wsgi')).distribution.version, '6.0.1', 'the fresh page replaced the old');
  assert.is(pageRequests(), 2);
  changing.cacheControl = 'no-store';
  changing.versions = ['6.0.2'];
  await findSourceDistribution('mod_wsgi', '6.0.2', settings, '--mod-wsgi');
  assert.is((await findSourceDistribution('mod_wsgi', '6.0.2', settings, '--mod-wsgi')).distribution.version, '6.0.2');
  assert.is(pageRequests(), 4, 'a no-store page is not kept');
});

index('the command line recorded in the image keeps no index credentials', () => {
  const recorded = recordedCommandLine([
    'build',
    'app.py',
    '--index-url',
    'https://user:t0ken@pypi.example/simple/',
    '--find-links=https://x:y@wheels.example/',
  ]);
  assert.not.match(recorded, /t0ken|x:y/);
  assert.match(recorded, /--index-url '?https:\/\/\*\*\*@pypi\.example\/simple\/'?/);
});

index.run();
