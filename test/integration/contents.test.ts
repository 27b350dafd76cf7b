/**
 * What the runtime image holds (issue #16): a curated root filesystem, FROM
 * scratch, with no perl, apt or dpkg state and no docs, a python3 for docker
 * exec, --system-packages and the virtualenv in it; and its SBOM, written by
 * --sbom and carried in the image, valid against the CycloneDX 1.5 schema.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as CDX from '@cyclonedx/cyclonedx-library';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { readImagePath } from '../../src/docker/image-files.js';
import { buildWithCli, docker, execIn, httpGet, removeContainer, serveImage, type Running } from '../helpers/docker.js';
import { example } from '../helpers/paths.js';

const contents = suite('image contents and SBOM');
const running: Running[] = [];
const HELLO = 'mwe-test/contents-hello';
const FLASK = 'mwe-test/contents-flask';
const work = mkdtempSync(path.join(tmpdir(), 'mwe-contents-'));
const sbomFile = path.join(work, 'sbom.json');

interface Component {
  type: string;
  name: string;
  version?: string;
  purl?: string;
  properties?: { name: string; value: string }[];
}

contents.before(async () => {
  await buildWithCli([example('hello', 'wsgi.py'), '--tag', HELLO]);
  // Flask from PyPI into the virtualenv, and a Debian package the app could import.
  await buildWithCli([example('flask', 'app.py'), '--callable-object', 'app', '--system-packages', 'python3-six', '--tag', FLASK, '--sbom', sbomFile]);
});

contents.after(async () => {
  await Promise.all(running.map(removeContainer));
  rmSync(work, { recursive: true, force: true });
});

contents('the hello image is at most 135 MB and holds no perl, apt, dpkg state or docs', async () => {
  const image = await docker.getImage(HELLO).inspect();
  assert.ok(image.Size <= 135 * 2 ** 20, `${(image.Size / 2 ** 20).toFixed(1)} MB`);
  const server = await serveImage(running, HELLO);
  assert.is((await httpGet(server.url('/'))).body, 'Hello World!');
  const absent = await execIn(server.container, [
    'sh',
    '-c',
    'for path in /usr/bin/perl /usr/share/perl /usr/bin/apt-get /usr/bin/dpkg /var/lib/dpkg /var/lib/apt /var/cache/apt /usr/share/doc /usr/share/man /usr/bin/gcc; do [ -e "$path" ] && echo "$path"; done; true',
  ]);
  assert.is(absent.output, '');
  // Only the modules the configuration loads, and a python3 for docker exec.
  const modules = await execIn(server.container, ['ls', '/usr/lib/apache2/modules']);
  assert.ok(!modules.output.includes('mod_proxy.so') && modules.output.includes('mod_rewrite.so'), modules.output);
  const python = await execIn(server.container, ['python3', '-c', 'import ssl, sqlite3, zoneinfo, ctypes; print(zoneinfo.ZoneInfo("Europe/Paris"))']);
  assert.is(python.output.trim(), 'Europe/Paris');
});

contents('--system-packages and the virtualenv reach the image; --sbom writes the CycloneDX 1.5 document the image carries', async () => {
  const server = await serveImage(running, FLASK);
  assert.is((await httpGet(server.url('/'))).status, 200);
  const imported = await execIn(server.container, [
    '/opt/venv/bin/python',
    '-c',
    'import six, flask, importlib.metadata as m; print(six.__file__, m.version("flask"))',
  ]);
  assert.match(imported.output, /^\/usr\/lib\/python3\/dist-packages\/six\.py \d+\.\d+/);
  const flaskVersion = imported.output.trim().split(' ')[1];

  const written = readFileSync(sbomFile, 'utf8');
  const image = await docker.getImage(FLASK).inspect();
  const sbomPath = image.Config.Labels['io.mwe-image.sbom'];
  assert.is(sbomPath, '/usr/share/mwe-image/sbom.cdx.json');
  const [carried] = await readImagePath(docker, FLASK, sbomPath);
  assert.is(written, carried.content.toString('utf8'));

  const validator = new CDX.Validation.JsonStrictValidator(CDX.Spec.Version.v1dot5);
  assert.is(await validator.validate(written), null);

  const bom = JSON.parse(written) as { specVersion: string; components: Component[] };
  assert.is(bom.specVersion, '1.5');
  const find = (predicate: (component: Component) => boolean) => bom.components.find(predicate);
  const deb = (name: string) => find((component) => component.purl?.startsWith(`pkg:deb/debian/${name}@`) ?? false);
  // Debian's Apache: the toolchain recorded the same package version it compiled against.
  const facts = JSON.parse((await execIn(server.container, ['cat', '/usr/local/lib/mwe-image/toolchain.json'])).output);
  assert.is(deb('apache2-bin')?.version, facts.apacheVersion);
  for (const name of ['libpython3.13', 'libc6', 'python3-six']) assert.ok(deb(name)?.version, `${name} in the SBOM`);
  assert.not.ok(
    bom.components.some((component) => /^(perl|perl-base|apt|dpkg)$/.test(component.name)),
    'no perl, apt or dpkg',
  );
  const flask = find((component) => component.purl === `pkg:pypi/flask@${flaskVersion}`);
  assert.ok(flask, 'Flask from the virtualenv');
  assert.ok(flask!.properties?.some((property) => property.value === '/opt/venv/site-packages'));
  assert.is(find((component) => component.name === 'mod_wsgi')?.version, image.Config.Labels['io.mwe-image.mod-wsgi-version']);
  assert.ok(find((component) => component.name === 'CPython')?.version?.startsWith('3.13.'));
  assert.ok(find((component) => component.name === 'Apache HTTP Server'));
  assert.is(find((component) => component.type === 'container')?.name, 'debian:trixie-slim');
});

contents.run();
