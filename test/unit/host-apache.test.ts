import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { compareVersions, fittingOptions, loadProblems, type HostApache } from '../../src/host-apache.js';
import { libpythonName } from '../../src/commands/module.js';
import { TRIXIE_FACTS } from '../helpers/facts.js';

const bookworm: HostApache = {
  libraries: new Set(['libc.so.6', 'libpython3.11.so.1.0']),
  glibc: '2.36',
  magic: { major: 20120211, minor: 142 },
  httpd: '/usr/sbin/apache2',
  distribution: { id: 'debian', codename: 'bookworm', pretty: 'Debian GNU/Linux 12 (bookworm)' },
};

test('glibc versions compare numerically', () => {
  assert.ok(compareVersions('2.41', '2.36') > 0);
  assert.ok(compareVersions('2.9', '2.36') < 0);
  assert.is(compareVersions('2.36', '2.36'), 0);
});

test('a module fits when the host has its libpython, a glibc as new and the same major module magic number', () => {
  assert.equal(loadProblems({ libraries: ['libpython3.11.so.1.0', 'libc.so.6'], glibc: '2.34', magic: { major: 20120211, minor: 126 } }, bookworm), []);
  const problems = loadProblems({ libraries: ['libpython3.13t.so.1.0'], glibc: '2.38', magic: { major: 20120211, minor: 150 } }, bookworm);
  assert.equal(problems, [
    "it links to libpython3.13t.so.1.0, which this host's loader does not find",
    'it needs glibc 2.38, this host has 2.36',
    "it was built against a newer Apache (module magic number 20120211:150) than this host's (20120211:142)",
  ]);
  assert.match(loadProblems({ libraries: [], magic: { major: 20051115, minor: 0 } }, bookworm)[0], /another major API/);
});

test('the options that fit name the host suite and its Python', () => {
  assert.is(fittingOptions(bookworm), '--base-image debian:bookworm-slim --python 3.11');
  const trixie = { ...bookworm, libraries: new Set(['libpython3.13.so.1.0']), distribution: { id: 'debian', codename: 'trixie', pretty: 'Debian 13' } };
  assert.is(fittingOptions(trixie), '--base-image debian:trixie-slim --python 3.13');
});

test("module-config's note names the free-threaded libpython for 3.13t", () => {
  assert.is(libpythonName(TRIXIE_FACTS), 'libpython3.13');
  assert.is(libpythonName({ ...TRIXIE_FACTS, pythonFreeThreaded: true }), 'libpython3.13t');
});

test.run();
