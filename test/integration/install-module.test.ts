/**
 * install-module checks that this host's Apache can load the exported module
 * (libpython, glibc, module magic number, then the host's httpd -t) before
 * copying it, and names the options that build one that fits. This host has
 * Debian 12's apache2 and libpython3.11: the default toolchain (trixie,
 * Python 3.13) does not fit it, --python 3.11 (bookworm) does.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { hostApache, moduleNeeds } from '../../src/host-apache.js';
import { ensureBaseImage, runCli } from '../helpers/docker.js';

const install = suite('install-module');
let work = '';
// Read when the suite runs (uvu imports every file first): provision installs the host's Apache and libpython3.11.
let host: ReturnType<typeof hostApache>;

install.before(async () => {
  work = mkdtempSync(path.join(tmpdir(), 'mwe-install-'));
  host = hostApache();
  await ensureBaseImage('debian:bookworm-slim', 'bookworm');
});

install.after(() => {
  rmSync(work, { recursive: true, force: true });
});

install('this host is what the test expects: Debian 12 Apache with libpython3.11', () => {
  assert.is(host.distribution?.codename, 'bookworm', 'the host is Debian 12');
  assert.ok(host.httpd, 'the host has an Apache');
  assert.ok(host.libraries.has('libpython3.11.so.1.0'), 'the host has libpython3.11');
  assert.is(host.magic?.major, 20120211);
});

install('the default module (trixie, Python 3.13) is refused before copying, with why and the options that fit', async () => {
  const exported = await runCli(['module-location', '--output', path.join(work, 'exported')]);
  assert.is(exported.code, 0, exported.stderr);
  const needs = moduleNeeds(readFileSync(exported.stdout.trim()));
  assert.ok(needs.libraries.includes('libpython3.13.so.1.0'), needs.libraries.join(' '));
  assert.is(needs.magic?.major, 20120211);
  assert.ok(Number(needs.glibc!.split('.')[1]) > 36, `trixie's glibc ${needs.glibc}`);

  const modules = path.join(work, 'refused');
  rmSync(modules, { recursive: true, force: true });
  mkdirSync(modules);
  const result = await runCli(['install-module', '--modules-directory', modules]);
  assert.is(result.code, 1, result.stderr);
  const last = result.stderr.trim().split('\n').pop()!;
  assert.match(last, /^mwe-image: install-module: this host's Apache cannot load mod_wsgi 6\.\d+\.\d+ for Python 3\.13 on debian:trixie-slim: /);
  assert.match(last, /it links to libpython3\.13\.so\.1\.0, which this host's loader does not find/);
  assert.match(last, /it needs glibc 2\.\d+, this host has 2\.36/);
  assert.match(
    last,
    /build one that fits this host \(Debian GNU\/Linux 12 \(bookworm\)\): mwe-image install-module --base-image debian:bookworm-slim --python 3\.11$/,
  );
  assert.equal(readdirSync(modules), [], 'nothing copied, no staging left');
});

install('the module the refusal suggests is installed, and the host Apache loads it', async () => {
  const modules = path.join(work, 'fits');
  mkdirSync(modules);
  const result = await runCli(['install-module', '--base-image', 'debian:bookworm-slim', '--python', '3.11', '--modules-directory', modules]);
  assert.is(result.code, 0, result.stderr.slice(-3000));
  assert.match(result.stdout, /^LoadModule wsgi_module ".*\/fits\/mod_wsgi-py311\.cpython-311-x86_64-linux-gnu\.so"\nWSGIPythonHome "\/usr"\n$/);
  assert.equal(readdirSync(modules), ['mod_wsgi-py311.cpython-311-x86_64-linux-gnu.so']);
  assert.ok(existsSync(path.join(modules, 'mod_wsgi-py311.cpython-311-x86_64-linux-gnu.so')));
});

install('module-config names the libpython the module links to', async () => {
  const config = await runCli(['module-config', '--output', path.join(work, 'exported')]);
  assert.is(config.code, 0, config.stderr);
  assert.match(config.stderr, /needs that Python's shared library \(libpython3\.13\)/);
});

install.run();
