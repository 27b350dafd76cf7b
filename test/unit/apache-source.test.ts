/** --apache: parsing and checks, the toolchain key, and the config for each Apache layout. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { describeApacheSource, parseApacheSource } from '../../src/apache-source.js';
import { UsageError } from '../../src/errors.js';
import { parseModWsgiSource } from '../../src/mod-wsgi-source.js';
import { resolveBuildOptions } from '../../src/options.js';
import { planBuild } from '../../src/plan.js';
import { parsePythonSource } from '../../src/python-source.js';
import { renderDockerfile, renderHttpdConf } from '../../src/render.js';
import { toolchainTag, type ToolchainRequest } from '../../src/toolchain.js';
import { SOURCE_APACHE_FACTS, TRIXIE_FACTS } from '../helpers/facts.js';
import { example } from '../helpers/paths.js';

const work = mkdtempSync(path.join(tmpdir(), 'mwe-apache-unit-'));
const tarball = path.join(work, 'httpd-2.4.99.tar.gz');
writeFileSync(tarball, 'first');

test.after(() => rmSync(work, { recursive: true, force: true }));

test('--apache: distro (default), source, a URL or a local tarball', () => {
  assert.is(resolveBuildOptions({}).apache, 'distro');
  assert.equal(parseApacheSource(undefined), { from: 'distro' });
  assert.equal(parseApacheSource('distro'), { from: 'distro' });
  assert.equal(parseApacheSource('source'), { from: 'debian' });
  const url = 'https://downloads.apache.org/httpd/httpd-2.4.65.tar.bz2';
  assert.equal(parseApacheSource(url), { from: 'url', url });
  assert.equal(parseApacheSource(tarball), { from: 'local', path: tarball });
  assert.equal(
    ['distro', 'source', url, tarball].map((value) => describeApacheSource(parseApacheSource(value))),
    ['distro', 'source', url, 'local:httpd-2.4.99.tar.gz'],
  );
  assert.is(resolveBuildOptions({ apache: 'source' }).apache, 'source');
});

test('--apache: bad values are one-line usage errors naming the option', () => {
  const cases: [string, RegExp][] = [
    ['2.4.65', /is not distro, source, an http\(s\) URL or a \.tar\.\* file/],
    ['apache2', /is not distro, source/],
    ['/no/such/httpd-2.4.65.tar.gz', /does not exist/],
    [work, /is not distro, source/],
    ["https://example.org/httpd'.tar.gz", /quote/],
    ['https://example.org/httpd 2.tar.gz', /is not a URL/],
  ];
  for (const [value, message] of cases) {
    assert.throws(
      () => resolveBuildOptions({ apache: value }),
      (error: Error) => error instanceof UsageError && error.message.startsWith('--apache: ') && message.test(error.message) && !error.message.includes('\n'),
      value,
    );
  }
});

test("the toolchain key covers the Apache choice and a local tarball's content", () => {
  const request = (apache: string): ToolchainRequest => ({
    baseImage: 'debian:trixie-slim',
    baseImageId: 'sha256:0',
    modWsgi: parseModWsgiSource(undefined),
    python: parsePythonSource(undefined, undefined),
    apache: parseApacheSource(apache),
  });
  const tags = ['distro', 'source', 'https://example.org/httpd-2.4.65.tar.gz', tarball].map((apache) => toolchainTag(request(apache)));
  assert.is(new Set(tags).size, 4, tags.join(' '));
  assert.is(toolchainTag(request('source')), tags[1]);
  writeFileSync(tarball, 'second');
  assert.is.not(toolchainTag(request(tarball)), tags[3]);
});

test("config and image settings follow the toolchain's Apache layout", () => {
  const plan = planBuild(example('hello', 'wsgi.py'), resolveBuildOptions({ logDirectory: '/var/log/app', rotateLogs: true }));
  const load = (text: string) => text.split('\n').find((line) => line.startsWith('LoadModule mime_module'));
  const source = renderHttpdConf(plan, SOURCE_APACHE_FACTS, 'test');
  assert.is(load(source), "LoadModule mime_module '/opt/apache/modules/mod_mime.so'");
  assert.match(source, /^TypesConfig '\/opt\/apache\/conf\/mime\.types'$/m);
  assert.match(source, /"\|\/opt\/apache\/bin\/rotatelogs \/var\/log\/app\/error_log/);
  assert.match(renderDockerfile(plan, SOURCE_APACHE_FACTS), /MWE_HTTPD="\/opt\/apache\/bin\/httpd"/);
  const distro = renderHttpdConf(plan, TRIXIE_FACTS, 'test');
  assert.is(load(distro), "LoadModule mime_module '/usr/lib/apache2/modules/mod_mime.so'");
  assert.match(distro, /^TypesConfig '\/etc\/mime\.types'$/m);
  assert.match(distro, /"\|\/usr\/bin\/rotatelogs \/var\/log\/app\/error_log/);
  assert.match(renderDockerfile(plan, TRIXIE_FACTS), /MWE_HTTPD="\/usr\/sbin\/apache2"/);
  // The options still win over the toolchain's paths.
  const chosen = planBuild(example('hello', 'wsgi.py'), resolveBuildOptions({ mimeTypes: '/srv/mime.types', httpdExecutable: '/usr/local/bin/httpd' }));
  assert.match(renderHttpdConf(chosen, SOURCE_APACHE_FACTS, 'test'), /^TypesConfig '\/srv\/mime\.types'$/m);
  assert.match(renderDockerfile(chosen, SOURCE_APACHE_FACTS), /MWE_HTTPD="\/usr\/local\/bin\/httpd"/);
});

test.run();
