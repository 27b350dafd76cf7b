/** mod_wsgi from a local tarball, a toolchain's facts kept on the host, and a failing toolchain step reported with its output. */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { readImagePath } from '../../src/docker/image-files.js';
import { buildWithCli, type CliResult, docker, httpGet, removeContainer, runCli, startContainer, waitForHttp, type Running } from '../helpers/docker.js';
import { example } from '../helpers/paths.js';

const toolchain = suite('toolchain');
const running: Running[] = [];
let work = '';

toolchain.before(async () => {
  work = mkdtempSync(path.join(tmpdir(), 'mwe-toolchain-'));
  // Make sure the Debian source archive toolchain exists (its tarball is the local source below).
  await buildWithCli([example('hello', 'wsgi.py'), '--mod-wsgi', 'debian', '--tag', 'mwe-test/hello-debian']);
});

toolchain.after(async () => {
  await Promise.all(running.map(removeContainer));
  rmSync(work, { recursive: true, force: true });
});

/** The orig tarball the --mod-wsgi debian toolchain downloaded from Debian's source archive. */
async function debianTarball(): Promise<{ name: string; content: Buffer }> {
  const images = await docker.listImages({
    filters: { label: ['io.mwe-image.kind=toolchain', 'io.mwe-image.mod-wsgi-source=debian', 'io.mwe-image.base=debian:trixie-slim'] },
  });
  assert.ok(images.length > 0, 'no default toolchain image');
  const newest = images.sort((a, b) => b.Created - a.Created)[0];
  const files = await readImagePath(docker, newest.Id, '/build/download');
  const tarball = files.find((file) => file.name.endsWith('.orig.tar.gz'));
  if (!tarball) throw new Error('no orig tarball in /build/download');
  return { name: path.basename(tarball.name), content: tarball.content };
}

toolchain('--mod-wsgi-source builds the module from a local tarball', async () => {
  const tarball = await debianTarball();
  const local = path.join(work, tarball.name);
  writeFileSync(local, tarball.content);
  const result = await buildWithCli([example('hello', 'wsgi.py'), '--mod-wsgi-source', local, '--tag', 'mwe-test/local-source']);
  assert.match(result.stdout, /^mwe-test\/local-source sha256:/);
  const image = await docker.getImage('mwe-test/local-source').inspect();
  const toolchainTag = image.Config.Labels['io.mwe-image.toolchain'];
  const toolchainImage = await docker.getImage(toolchainTag).inspect();
  assert.is(toolchainImage.Config.Labels['io.mwe-image.mod-wsgi-source'], `local:${tarball.name}`);
  const server = await startContainer('mwe-test/local-source');
  running.push(server);
  await waitForHttp(server.url('/'));
  assert.is((await httpGet(server.url('/'))).body, 'Hello World!');
});

toolchain("a toolchain's facts are read once from the image, then from the host's cache under the image's ID", async () => {
  const cacheHome = path.join(work, 'cache');
  const env = { XDG_CACHE_HOME: cacheHome };
  const config = () => runCli(['config', example('hello', 'wsgi.py'), '--mod-wsgi', 'debian'], env);
  const loadModule = (result: CliResult) => {
    assert.is(result.code, 0, result.stderr.slice(-3000));
    return /^LoadModule wsgi_module '([^']+)'$/m.exec(result.stdout)?.[1];
  };
  const fromImage = loadModule(await config());
  assert.ok(fromImage, 'the config loads mod_wsgi');
  const records = path.join(cacheHome, 'mwe-image', 'toolchain-facts');
  const [record] = readdirSync(records);
  assert.ok(record, 'the facts were kept on the host');
  // A record altered on the host is what the next run renders from: no container read the image again.
  const facts = JSON.parse(readFileSync(path.join(records, record), 'utf8'));
  writeFileSync(path.join(records, record), JSON.stringify({ ...facts, moduleLink: '/cached/mod_wsgi.so' }));
  assert.is(loadModule(await config()), '/cached/mod_wsgi.so');
  rmSync(path.join(records, record));
  assert.is(loadModule(await config()), fromImage, 'read from the image again once the record is gone');
  assert.equal(readdirSync(records), [record], 'kept again, under the same key (the image ID)');
});

toolchain('a failing toolchain step exits 1 with the tail of its output and tags no image', async () => {
  const broken = path.join(work, 'not-mod-wsgi');
  mkdirSync(broken);
  writeFileSync(path.join(broken, 'README'), 'not a source tree\n');
  const result = await runCli(['build', example('hello', 'wsgi.py'), '--mod-wsgi', broken, '--tag', 'mwe-test/never-built-2']);
  assert.is(result.code, 1);
  assert.match(result.stderr, /--mod-wsgi holds neither a tarball nor a source tree with setup\.py/);
  const lines = result.stderr.trim().split('\n');
  assert.match(lines[lines.length - 1], /^mwe-image: image build failed at RUN sh \/mwe\/scripts\/fetch-mod-wsgi.sh: .*non-zero code: 1/);
  assert.not.match(result.stderr, /    at /);
  assert.is((await docker.listImages({ filters: { reference: ['mwe-test/never-built-2'] } })).length, 0);
});

toolchain.run();
