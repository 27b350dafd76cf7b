import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { moduleConfigLines } from '../../src/commands/module.js';
import { UsageError } from '../../src/errors.js';
import { describeModWsgiSource, parseModWsgiSource } from '../../src/mod-wsgi-source.js';
import { parsePythonSource } from '../../src/python-source.js';
import { resolveBuildOptions } from '../../src/options.js';
import { TRIXIE_FACTS } from '../helpers/facts.js';
import { fixture } from '../helpers/paths.js';

test('--mod-wsgi sources', () => {
  assert.equal(parseModWsgiSource(undefined), { kind: 'pypi' });
  assert.equal(parseModWsgiSource('pypi'), { kind: 'pypi' });
  assert.equal(parseModWsgiSource('debian'), { kind: 'debian' });
  assert.equal(parseModWsgiSource('debian:4.9.4'), { kind: 'debian', version: '4.9.4' });
  assert.equal(parseModWsgiSource('pypi:5.0.2'), { kind: 'pypi', version: '5.0.2' });
  assert.equal(parseModWsgiSource('https://example.org/mod_wsgi-5.0.2.tar.gz'), { kind: 'url', url: 'https://example.org/mod_wsgi-5.0.2.tar.gz' });
  assert.equal(parseModWsgiSource(fixture('site')), { kind: 'local', path: fixture('site') });
  assert.is(describeModWsgiSource(parseModWsgiSource(fixture('site'))), 'local:site');
  assert.equal(parseModWsgiSource('debian-package'), { kind: 'debian-package' });
  assert.is(resolveBuildOptions({ python: '3.11', modWsgi: 'debian-package' }).modWsgi, 'debian-package');
  for (const raw of [
    { python: '3.13t', modWsgi: 'debian-package' },
    { modWsgi: 'debian-package', apache: 'source' },
    { modWsgi: 'debian-package', python: '3.13', pythonFrom: 'source' },
  ]) {
    assert.throws(() => resolveBuildOptions(raw), /^--mod-wsgi debian-package is Debian's module for the suite's own Python and Apache/);
  }
  for (const bad of ['pypi:', 'pypi:latest', 'debian:x', '/no/such/path', "https://x/'a"]) {
    assert.throws(
      () => parseModWsgiSource(bad),
      (error: Error) => error instanceof UsageError && /^--mod-wsgi/.test(error.message),
      bad,
    );
  }
});

test('--python picks the Debian suite that ships it unless --base-image is given', () => {
  assert.is(resolveBuildOptions({}).baseImage, 'debian:trixie-slim');
  assert.is(resolveBuildOptions({ python: '3.13' }).baseImage, 'debian:trixie-slim');
  assert.is(resolveBuildOptions({ python: '3.11' }).baseImage, 'debian:bookworm-slim');
  assert.is(resolveBuildOptions({ python: '3.11', baseImage: 'my/base:1' }).baseImage, 'my/base:1');
  assert.throws(() => resolveBuildOptions({ python: '3.12' }), /--python: '3.12' is not one of 3.13, 3.11/);
});

test('--python, --python-from and --python-pgo: distro, or CPython from source (3.13t always), optimised on request', () => {
  assert.equal(parsePythonSource(undefined, undefined), { from: 'distro' });
  assert.equal(parsePythonSource('3.11', undefined), { from: 'distro' });
  assert.equal(parsePythonSource('3.13t', undefined), { from: 'debian', version: '3.13', freeThreaded: true, optimized: false });
  assert.equal(parsePythonSource('3.13', 'source'), { from: 'debian', version: '3.13', freeThreaded: false, optimized: false });
  assert.equal(parsePythonSource('3.13', 'source', true), { from: 'debian', version: '3.13', freeThreaded: false, optimized: true });
  assert.throws(() => parsePythonSource('3.13', undefined, true), /--python-pgo: applies to a CPython built here; add --python-from source/);
  assert.equal(parsePythonSource('3.13', 'https://www.python.org/ftp/python/3.13.5/Python-3.13.5.tar.xz'), {
    from: 'url',
    version: '3.13',
    freeThreaded: false,
    optimized: false,
    url: 'https://www.python.org/ftp/python/3.13.5/Python-3.13.5.tar.xz',
  });
  assert.throws(() => parsePythonSource('3.13t', 'distro'), /no distribution ships a free-threaded Python/);
  assert.throws(() => parsePythonSource(undefined, 'source'), /give --python VERSION too/);
  assert.throws(() => parsePythonSource('3.13', '/no/such/Python.tar.xz'), /--python-from: .* does not exist/);
});

test('module-config lines follow mod_wsgi-express', () => {
  assert.is(
    moduleConfigLines('/usr/lib/apache2/modules/mod_wsgi-py313.so', TRIXIE_FACTS),
    'LoadModule wsgi_module "/usr/lib/apache2/modules/mod_wsgi-py313.so"\nWSGIPythonHome "/usr"\n',
  );
});

test.run();
