/**
 * --apache source: Apache httpd built in the toolchain from the apache2
 * upstream tarball in Debian's source archive, installed at /opt/apache, with
 * mod_wsgi compiled against its apxs; the runtime image carries only what runs.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import {
  buildWithCli, docker, execIn, httpGet, removeContainer, runCli, serveImage, startContainer, type Running,
} from '../helpers/docker.js';
import { readImagePath } from '../../src/docker/image-files.js';
import type { ToolchainFacts } from '../../src/toolchain-facts.js';
import { assertStopLetsRequestFinish } from '../helpers/graceful.js';
import { example, fixture } from '../helpers/paths.js';

const apache = suite('Apache built from source');
const running: Running[] = [];
const HELLO = 'mwe-apache/hello-source';
const APP = 'mwe-apache/app-source';

const serve = (image: string): Promise<Running> => serveImage(running, image);

/** Runs a shell command in a container of the image (no server) and returns its output. */
async function probe(image: string, script: string): Promise<string> {
  const server = await startContainer(image);
  try {
    return (await execIn(server.container, ['sh', '-c', script])).output;
  } finally {
    await removeContainer(server);
  }
}

async function toolchainFacts(image: string): Promise<ToolchainFacts> {
  const [file] = await readImagePath(docker, image, '/usr/local/lib/mwe-image/toolchain.json');
  return JSON.parse(file.content.toString('utf8')) as ToolchainFacts;
}

apache.before(async () => {
  await buildWithCli([example('hello', 'wsgi.py'), '--apache', 'source', '--tag', HELLO]);
  await buildWithCli([fixture('app', 'wsgi.py'), '--apache', 'source', '--url-alias', '/static/', fixture('app', 'static'), '--tag', APP]);
});

apache.after(async () => {
  await Promise.all(running.map(removeContainer));
});

apache('the example app answers 200 on 127.0.0.1 from the httpd at /opt/apache', async () => {
  const facts = await toolchainFacts(HELLO);
  assert.is(facts.apacheFrom, 'source');
  assert.is(facts.httpdExecutable, '/opt/apache/bin/httpd');
  assert.match(facts.apacheVersion, /^2\.4\.\d+$/);
  const server = await serve(HELLO);
  const response = await httpGet(server.url('/'));
  assert.is(response.status, 200);
  assert.is(response.body, 'Hello World!');
  assert.is(response.headers.server, 'Apache');
  // The Server header stays ProductOnly; apachectl -v and the startup line name the build.
  const version = await execIn(server.container, ['/opt/apache/bin/apachectl', '-v']);
  assert.is(version.code, 0, version.output);
  assert.match(version.output, new RegExp(`^Server version: Apache/${facts.apacheVersion.replace(/\./g, '\\.')} \\(Unix\\)$`, 'm'));
  const exe = await execIn(server.container, ['sh', '-c', 'for pid in $(pgrep -x httpd); do readlink /proc/$pid/exe; done | sort -u']);
  assert.is(exe.output.trim(), '/opt/apache/bin/httpd');
  const logs = (await server.container.logs({ stdout: true, stderr: true })).toString();
  assert.match(logs, new RegExp(`Apache/${facts.apacheVersion.replace(/\./g, '\\.')} \\(Unix\\) mod_wsgi/${facts.modWsgiVersion.replace(/\./g, '\\.')} Python/3\\.13 configured`));
});

apache('the runtime image has no compiler, headers, apxs or Debian apache2, only /opt/apache\'s runtime files', async () => {
  const output = await probe(HELLO, [
    'command -v gcc cc make apxs apxs2 || echo no-build-tools',
    'ls /opt/apache',
    'ls /opt/apache/include /usr/include/apr-1.0 /usr/include/apache2 /opt/apache/manual /usr/sbin/apache2 2>&1 | grep -c "No such file"',
    'dpkg-query -W -f "\\${Package}\\n" | grep -E -- "-dev$|^apache2" || echo no-dev-or-apache2-packages',
  ].join('; '));
  assert.match(output, /^no-build-tools$/m);
  assert.match(output, /^bin\nconf\nmodules$/m);
  assert.match(output, /^5$/m);
  assert.match(output, /^no-dev-or-apache2-packages$/m);
});

apache('static files get their type from /opt/apache/conf/mime.types; a graceful stop lets a request finish', async () => {
  const server = await serve(APP);
  const file = await httpGet(server.url('/static/marker.txt'));
  assert.is(file.status, 200);
  assert.is(file.headers['content-type'], 'text/plain');
  const conf = await execIn(server.container, ['grep', '^TypesConfig', '/etc/mwe-image/httpd.conf']);
  assert.is(conf.output.trim(), "TypesConfig '/opt/apache/conf/mime.types'");
  await assertStopLetsRequestFinish(server);
});

apache('toolchain list shows the source-built Apache version', async () => {
  const { apacheVersion, modWsgiVersion } = await toolchainFacts(HELLO);
  const toolchain = (await docker.getImage(HELLO).inspect()).Config.Labels['io.mwe-image.toolchain'];
  const list = await runCli(['toolchain', 'list']);
  assert.is(list.code, 0, list.stderr);
  const line = list.stdout.split('\n').find((row) => row.startsWith(`${toolchain} `));
  assert.ok(line, list.stdout);
  assert.match(modWsgiVersion, /^([6-9]|\d\d)\./, 'the default mod_wsgi, from PyPI');
  assert.match(line!, new RegExp(`\\sApache ${apacheVersion.replace(/\./g, '\\.')} \\(source\\)\\s+mod_wsgi ${modWsgiVersion.replace(/\./g, '\\.')} `));
});

apache('an --apache URL that cannot be fetched fails the build with one line naming it', async () => {
  const url = 'http://127.0.0.1:9/httpd-2.4.99.tar.bz2';
  const result = await runCli(['build', example('hello', 'wsgi.py'), '--apache', url, '--tag', 'mwe-apache/never', '--quiet']);
  assert.is(result.code, 1);
  assert.is(result.stdout, '');
  assert.match(result.stderr.trim().split('\n').pop()!, new RegExp(`^mwe-image: image build failed at RUN sh /mwe/scripts/build-apache\\.sh: --apache: could not download ${url} \\(.*\\); check the URL \\(.*non-zero code: 1\\)$`));
});

apache.run();
