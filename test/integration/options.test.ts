/**
 * The mod_wsgi-express option surface in real containers: each group of
 * options shown over HTTP on 127.0.0.1 (or inside the container). Every image
 * built here has also passed `apache2 -t` (the build runs configtest).
 */
import { chmodSync, cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import os, { tmpdir } from 'node:os';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import {
  buildWithCli,
  docker,
  execIn,
  httpGet,
  removeContainer,
  runCli,
  serveImage,
  settle,
  startOnHostNetwork,
  until,
  type Running,
  type StartOptions,
} from '../helpers/docker.js';
import { fixture } from '../helpers/paths.js';

const options = suite('option surface');
const running: Running[] = [];
const SITE = fixture('site');
const site = (...parts: string[]) => path.join(SITE, ...parts);

options.before(async () => {
  await buildWithCli([
    site('wsgi.py'),
    '--tag',
    'mwe-test/site',
    '--document-root',
    site('public'),
    '--directory-index',
    'index.html',
    '--directory-listing',
    '--allow-override',
    'FileInfo',
    '--error-document',
    '500',
    '/errors/500.html',
    '--error-override',
    '--add-handler',
    '.tmpl',
    site('render_tmpl.py'),
    '--with-cgi',
    '--setenv',
    'SETENV_KEY',
    'some value',
    '--passenv',
    'PASSED',
    '--compress-responses',
    '--include-file',
    site('include.conf'),
    '--rewrite-rules',
    site('rewrite.conf'),
    '--envvars-script',
    site('envvars.sh'),
    '--service-script',
    'marker',
    site('service.py'),
    '--access-log',
    '--access-log-format',
    'combined',
    '--python-warnings',
    'error::DeprecationWarning',
  ]);
});

options.after(async () => {
  await Promise.all(running.map(removeContainer));
});

const serve = (image: string, startOptions: StartOptions = {}, probe = '/app/hello'): Promise<Running> =>
  serveImage(running, image, { ...startOptions, probe });

const environLines = (body: string): Record<string, string> =>
  Object.fromEntries(body.split('\n').map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]));

options('static files: document root, directory index and listing, rewrite rules', async () => {
  const server = await serve('mwe-test/site');
  const index = await httpGet(server.url('/'));
  assert.is(index.status, 200);
  assert.match(index.body, /site index/);
  const listing = await httpGet(server.url('/listing/'));
  assert.is(listing.status, 200);
  assert.match(listing.body, /Index of \/listing/);
  assert.match(listing.body, /entry\.txt/);
  // --allow-override FileInfo: the .htaccess in listing/ sets a header.
  assert.is((await httpGet(server.url('/listing/entry.txt'))).headers['x-htaccess'], 'applied');
  assert.is((await httpGet(server.url('/index.html'))).headers['x-htaccess'], undefined);
  const moved = await httpGet(server.url('/moved.html'));
  assert.is(moved.status, 301);
  assert.match(String(moved.headers.location), /\/index\.html$/);
  assert.is((await httpGet(server.url('/app/hello'))).body, 'hello from the site app');
});

options('--error-override replaces an application 500 with the --error-document page', async () => {
  const server = await serve('mwe-test/site');
  const response = await httpGet(server.url('/app/error'));
  assert.is(response.status, 500);
  assert.match(response.body, /custom 500 page/);
  assert.not.match(response.body, /application error body/);
});

options('--add-handler runs the handler for the extension; --with-cgi runs .cgi scripts', async () => {
  const server = await serve('mwe-test/site');
  const rendered = await httpGet(server.url('/page.tmpl'));
  assert.is(rendered.status, 200);
  assert.is(rendered.body, 'rendered /page.tmpl: template body\n');
  const cgi = await httpGet(server.url('/script.cgi?x=1'));
  assert.is(cgi.status, 200);
  assert.match(cgi.body, /^cgi ran as 10001 for \/script.cgi\?x=1/);
});

options('--setenv, --passenv and --envvars-script reach the application', async () => {
  const server = await serve('mwe-test/site', { env: ['PASSED=from-docker-run'] });
  const values = environLines((await httpGet(server.url('/app/environ'))).body);
  assert.is(values.SETENV_KEY, 'some value');
  assert.is(values.PASSED, 'from-docker-run');
  assert.is(values.FROM_ENVVARS, 'set-by-envvars');
  const image = await docker.getImage('mwe-test/site').inspect();
  assert.not.ok(JSON.stringify(image).includes('from-docker-run'));
});

options('--compress-responses gzips text for clients that accept it', async () => {
  const server = await serve('mwe-test/site');
  const plain = await httpGet(server.url('/app/big'));
  assert.is(plain.headers['content-encoding'], undefined);
  const compressed = await httpGet(server.url('/app/big'), 15000, { 'Accept-Encoding': 'gzip' }, 'buffer');
  assert.is(compressed.headers['content-encoding'], 'gzip');
  assert.is(gunzipSync(compressed.raw!).toString(), 'compress me '.repeat(2000));
});

options('--include-file directives apply; --access-log-format combined logs on stdout', async () => {
  const server = await serve('mwe-test/site');
  const response = await httpGet(server.url('/app/hello'), 15000, { 'User-Agent': 'option-test-agent' });
  assert.is(response.headers['x-included'], 'from include file');
  const stdout = async () => (await server.container.logs({ stdout: true, stderr: false })).toString();
  await until('the access log line', 10, async () => (await stdout()).includes('option-test-agent'));
  assert.match(await stdout(), /"GET \/app\/hello HTTP\/1.1" 200 23 "-" "option-test-agent"/);
});

options('--service-script runs its script in its own daemon process', async () => {
  const server = await serve('mwe-test/site');
  let marker = { code: 1, output: '' };
  for (let attempt = 0; attempt < 20 && marker.code !== 0; attempt += 1) {
    marker = await execIn(server.container, ['cat', '/tmp/mwe-image/service-marker']);
    if (marker.code !== 0) await new Promise((resolve) => setTimeout(resolve, 250));
  }
  assert.match(marker.output, /^service pid \d+/);
  const ps = await execIn(server.container, ['ps', '-eo', 'args=']);
  assert.match(ps.output, /\(wsgi:service:marker\)/);
});

options('--python-warnings error::DeprecationWarning turns the warning into an error', async () => {
  const server = await serve('mwe-test/site');
  assert.is((await httpGet(server.url('/app/warn'))).status, 500);
});

options('--server-name, --server-alias, www redirect; --allow-localhost lets loopback in', async () => {
  await buildWithCli([site('wsgi.py'), '--tag', 'mwe-test/vhost', '--server-name', 'www.example.test', '--server-alias', '*.alias.test', '--allow-localhost']);
  const server = await serve('mwe-test/vhost', {}, '/');
  const asHost = (host: string) => httpGet(server.url('/app/hello'), 15000, { Host: host });
  assert.is((await asHost('www.example.test')).status, 200);
  assert.is((await asHost('api.alias.test')).status, 200);
  const redirect = await asHost('example.test');
  assert.is(redirect.status, 301);
  assert.match(String(redirect.headers.location), /^http:\/\/www\.example\.test:8000\/app\/hello$/);
  // Through the published port the client is the bridge gateway, not loopback.
  assert.is((await asHost('other.test')).status, 403);

  // With host networking the client really is 127.0.0.1.
  const onHost = await startOnHostNetwork('mwe-test/vhost');
  running.push(onHost);
  const loopback = await httpGet(onHost.url('/app/hello'), 15000, { Host: 'other.test' });
  assert.is(loopback.status, 200);
  assert.is(loopback.body, 'hello from the site app');
});

options('--process-group, --application-group, --python-path, --locale', async () => {
  await buildWithCli([
    site('wsgi.py'),
    '--tag',
    'mwe-test/groups',
    '--process-group',
    'myapp',
    '--application-group',
    'appgroup',
    '--python-path',
    fixture('pylib'),
    '--locale',
    'C.UTF-8',
  ]);
  const server = await serve('mwe-test/groups');
  const values = environLines((await httpGet(server.url('/app/environ'))).body);
  assert.is(values['mod_wsgi.process_group'], 'myapp');
  assert.is(values['mod_wsgi.application_group'], 'appgroup');
  assert.ok(values['sys.path'].split(':').includes('/srv/python-path/0'), values['sys.path']);
  assert.is(values.LANG, 'C.UTF-8');
  assert.is(values.cwd, '/srv/app');
  const ps = await execIn(server.container, ['ps', '-eo', 'args=']);
  assert.match(ps.output, /\(wsgi:myapp\)/);
});

options('--embedded-mode runs the application in the Apache children, --threads at a time, and keeps busy connections', async () => {
  await buildWithCli([site('wsgi.py'), '--tag', 'mwe-test/embedded', '--embedded-mode', '--processes', '2', '--threads', '3']);
  const server = await serve('mwe-test/embedded');
  const values = environLines((await httpGet(server.url('/app/environ'))).body);
  assert.is(values['mod_wsgi.process_group'], '');
  const ps = await execIn(server.container, ['ps', '-eo', 'args=']);
  assert.not.match(ps.output, /\(wsgi:/);
  // 12 kept-alive clients, 6 requests each, on 2 x 3 application threads: every
  // child's application threads are busy at once. With only those threads in
  // Apache, its event MPM closed kept-alive connections with a request on them.
  const agent = new http.Agent({ keepAlive: true, maxSockets: 12 });
  try {
    const clients = Array.from({ length: 12 }, async () => {
      const answers = [];
      for (let request = 0; request < 6; request += 1) answers.push(await settle(httpGet(server.url('/app/busy'), 10_000, {}, 'text', agent)));
      return answers;
    });
    const answers = (await Promise.all(clients)).flat();
    const failed = answers.filter((answer) => answer.error || answer.status !== 200);
    assert.equal(failed, [], 'every request answered on its connection');
    const most = answers.map((answer) => Number(/most=(\d+)/.exec(answer.body)?.[1]));
    assert.ok(Math.max(...most) <= 3, `at most --threads requests in the application of one process, got ${Math.max(...most)}`);
    assert.ok(Math.max(...most) >= 2, 'requests ran in the application at once');
  } finally {
    agent.destroy();
  }
});

/** Each process in the container: its pid, parent, thread count, command line, and the CPUs each of its threads may run on. */
async function cpuBindings(server: Running): Promise<{ pid: string; parent: string; threads: number; args: string; cpus: string[] }[]> {
  const script =
    'for d in /proc/[0-9]*; do [ -r "$d/cmdline" ] || continue; set -- "$d"/task/*; ' +
    'printf "%s|%s|%s|%s|" "${d#/proc/}" "$(sed "s/.*) //" "$d/stat" | cut -d" " -f2)" "$#" "$(tr "\\0" " " < "$d/cmdline")"; ' +
    'for t in "$d"/task/*; do sed -n "s/^Cpus_allowed_list:[[:space:]]*//p" "$t/status"; done | sort -u | tr "\\n" " "; echo; done';
  const { output } = await execIn(server.container, ['sh', '-c', script]);
  return output
    .split('\n')
    .filter((line) => line.includes('|'))
    .map((line) => {
      const [pid, parent, threads, args, cpus] = line.split('|');
      return { pid, parent, threads: Number(threads), args, cpus: cpus.trim().split(' ').filter(Boolean) };
    });
}

const daemonProcesses = async (server: Running) => (await cpuBindings(server)).filter((process) => process.args.startsWith('(wsgi:'));
/** Apache's children that serve requests (not the daemon processes), started by the Apache parent the entrypoint runs. */
const apacheChildren = async (server: Running) => {
  const processes = await cpuBindings(server);
  const parent = processes.find((process) => process.parent === '1' && process.args.startsWith('apache2'));
  return processes.filter((process) => parent && process.parent === parent.pid && process.args.startsWith('apache2'));
};
/** How many processes are bound to each single CPU ("0": 2, "1": 1). */
const perCpu = (processes: { cpus: string[] }[]): Record<string, number> => {
  const counts: Record<string, number> = {};
  for (const { cpus } of processes) counts[cpus.join(' ')] = (counts[cpus.join(' ')] ?? 0) + 1;
  return counts;
};
const TWO_CPUS = { CpusetCpus: '0,1' };

options("--cpu-affinity binds each daemon process (all its threads) to one CPU of the container's set, spread evenly, also after a restart", async () => {
  assert.ok(os.cpus().length >= 2, 'this test needs a host with 2 CPUs or more');
  await buildWithCli([site('wsgi.py'), '--tag', 'mwe-test/cpu-affinity', '--processes', '3', '--cpu-affinity']);
  const server = await serve('mwe-test/cpu-affinity', { hostConfig: TWO_CPUS });
  await until(
    '3 daemon processes, each bound',
    30,
    async () => (await daemonProcesses(server)).filter((daemon) => daemon.cpus.length === 1 && /^\d+$/.test(daemon.cpus[0])).length === 3,
  );
  assert.equal(perCpu(await daemonProcesses(server)), { '0': 2, '1': 1 });
  for (const child of await apacheChildren(server)) assert.equal(child.cpus, ['0-1'], `front-end child ${child.args} stays unbound`);
  const stderr = (await server.container.logs({ stdout: false, stderr: true })).toString();
  assert.is(stderr.match(/bound to CPU [01] of 0,1 \(--cpu-affinity\)/g)?.length, 3, stderr);
  // The lone process on CPU 1 dies: Apache's replacement takes the CPU it left.
  const lone = (await daemonProcesses(server)).find((daemon) => daemon.cpus[0] === '1')!;
  await execIn(server.container, ['kill', '-KILL', lone.pid]);
  await until('a new daemon process bound to CPU 1', 30, async () =>
    (await daemonProcesses(server)).some((daemon) => daemon.pid !== lone.pid && daemon.cpus.join() === '1'),
  );
  assert.equal(perCpu(await daemonProcesses(server)), { '0': 2, '1': 1 });
  assert.is((await httpGet(server.url('/app/hello'))).status, 200);

  const off = await serve('mwe-test/cpu-affinity', { hostConfig: TWO_CPUS, env: ['MWE_CPU_AFFINITY=0'] });
  // mod_wsgi starts a daemon process's request threads (5, --threads) after it has run the handler, where
  // the binding would happen: with them all there, no binding can still be on its way.
  await until('3 daemon processes past the handler', 30, async () => (await daemonProcesses(off)).filter((daemon) => daemon.threads > 5).length === 3);
  assert.equal(perCpu(await daemonProcesses(off)), { '0-1': 3 }, 'MWE_CPU_AFFINITY=0 leaves them unbound');
});

options('--cpu-affinity in embedded mode binds each Apache child; MWE_CPU_AFFINITY=1 turns it on at run time', async () => {
  const server = await serve('mwe-test/embedded', { hostConfig: TWO_CPUS, env: ['MWE_CPU_AFFINITY=1'] });
  await until('2 Apache children, each bound', 30, async () => (await apacheChildren(server)).filter((child) => /^\d+$/.test(child.cpus.join())).length === 2);
  assert.equal(perCpu(await apacheChildren(server)), { '0': 1, '1': 1 });
  assert.is((await httpGet(server.url('/app/hello'))).status, 200);
});

options('--reload-on-changes restarts the daemon when an imported module changes', async () => {
  const work = mkdtempSync(path.join(tmpdir(), 'mwe-reload-'));
  try {
    cpSync(SITE, work, { recursive: true });
    chmodSync(work, 0o755);
    await buildWithCli([path.join(work, 'wsgi.py'), '--tag', 'mwe-test/reload', '--reload-on-changes']);
    const server = await serve('mwe-test/reload', { hostConfig: { Binds: [`${work}:/srv/app:ro`] } });
    assert.is((await httpGet(server.url('/app/imported'))).body, 'first');
    writeFileSync(path.join(work, 'helper.py'), 'VALUE = "second"\n');
    let body = '';
    for (let attempt = 0; attempt < 40 && body !== 'second'; attempt += 1) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      body = await httpGet(server.url('/app/imported')).then(
        (r) => r.body,
        () => '',
      );
    }
    assert.is(body, 'second');
    const stderr = (await server.container.logs({ stdout: false, stderr: true })).toString();
    assert.match(stderr, /helper\.py changed, restarting the daemon process/);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
});

options('--log-directory writes access, error, startup and service logs as files; --rotate-logs names them by time', async () => {
  await buildWithCli([
    site('wsgi.py'),
    '--tag',
    'mwe-test/logdir',
    '--log-directory',
    '/tmp/mwe-logs',
    '--access-log',
    '--startup-log',
    '--error-log-name',
    'errors.log',
    '--service-script',
    'svc',
    site('service.py'),
    '--service-log-file',
    'svc',
    'svc.log',
  ]);
  const server = await serve('mwe-test/logdir');
  await httpGet(server.url('/app/hello'));
  const logFiles = () => execIn(server.container, ['sh', '-c', 'ls /tmp/mwe-logs; cat /tmp/mwe-logs/access_log /tmp/mwe-logs/svc.log']);
  await until('the access log and the service log written', 10, async () =>
    /app\/hello[\s\S]*service started|service started[\s\S]*app\/hello/.test((await logFiles()).output),
  );
  const files = await logFiles();
  assert.match(files.output, /errors\.log/);
  assert.match(files.output, /startup_log/);
  assert.match(files.output, /"GET \/app\/hello HTTP\/1.1" 200/);
  assert.match(files.output, /service started/);

  await buildWithCli([
    site('wsgi.py'),
    '--tag',
    'mwe-test/logrotate',
    '--log-directory',
    '/tmp/mwe-logs',
    '--access-log',
    '--rotate-logs',
    '--max-log-size',
    '1',
  ]);
  const rotated = await serve('mwe-test/logrotate');
  await httpGet(rotated.url('/app/hello'));
  const rotatedFiles = () => execIn(rotated.container, ['sh', '-c', 'ls /tmp/mwe-logs; cat /tmp/mwe-logs/access_log.*']);
  await until('the rotated access log written', 10, async () => (await rotatedFiles()).output.includes('GET /app/hello'));
  const names = await rotatedFiles();
  assert.match(names.output, /^error_log\.\d{4}-\d\d-\d\d-\d\d_\d\d_\d\d$/m);
  assert.match(names.output, /"GET \/app\/hello HTTP\/1.1" 200/);
  const ps = await execIn(rotated.container, ['ps', '-eo', 'args=']);
  assert.match(ps.output, /rotatelogs/);
});

options('every tuning option renders a configuration Apache accepts and serves', async () => {
  const tuning = [
    '--request-timeout',
    '30',
    '--startup-timeout',
    '20',
    '--graceful-timeout',
    '10',
    '--shutdown-timeout',
    '3',
    '--max-requests',
    '1000',
    '--restart-interval',
    '3600',
    '--cpu-time-limit',
    '600',
    '--eviction-timeout',
    '5',
    '--deadlock-timeout',
    '90',
    '--inactivity-timeout',
    '300',
    '--connect-timeout',
    '10',
    '--socket-timeout',
    '30',
    '--queue-timeout',
    '20',
    '--header-timeout',
    '10',
    '--header-max-timeout',
    '20',
    '--header-min-rate',
    '400',
    '--body-timeout',
    '10',
    '--body-max-timeout',
    '60',
    '--body-min-rate',
    '400',
    '--server-backlog',
    '256',
    '--listen-backlog',
    '64',
    '--send-buffer-size',
    '65536',
    '--receive-buffer-size',
    '65536',
    '--header-buffer-size',
    '65536',
    '--response-buffer-size',
    '65536',
    '--response-socket-timeout',
    '30',
    '--limit-request-body',
    '1048576',
    '--keep-alive-timeout',
    '0',
    '--map-head-to-get',
    'Off',
    '--enable-sendfile',
    '--chunked-request',
    '--disable-reloading',
    '--error-log-format',
    '[%t] "%M"',
    '--log-level',
    'info',
    '--allow-override',
    'FileInfo',
    '--allow-override',
    'Indexes',
    '--threads',
    '4',
    '--processes',
    '2',
    '--max-clients',
    '60',
    '--initial-workers',
    '0.3',
    '--minimum-spare-workers',
    '0.2',
    '--maximum-spare-workers',
    '0.8',
    '--server-mpm',
    'worker',
    '--http2',
    '--server-metrics',
    '--server-status',
    '--orphan-interpreter',
    '--ignore-activity',
    '/health',
    '--trust-proxy-header',
    'X-Forwarded-For',
    '--trust-proxy',
    '10.0.0.0/8',
    '--process-name',
    'mysite',
    '--socket-prefix',
    '/tmp/mwe-sockets',
    '--pid-file',
    '/tmp/mwe-image/apache.pid',
    '--response-flush-delay',
    '10',
    '--switch-interval',
    '0.01',
    '--enable-docs',
  ];
  await buildWithCli([site('wsgi.py'), '--tag', 'mwe-test/tuning', ...tuning]);
  const server = await serve('mwe-test/tuning');
  assert.is((await httpGet(server.url('/app/hello'))).body, 'hello from the site app');
  const config = await execIn(server.container, ['cat', '/etc/mwe-image/httpd.conf']);
  for (const expected of [
    'request-timeout=30',
    'maximum-requests=1000',
    'listen-backlog=64',
    'ListenBacklog 256',
    'RequestReadTimeout header=10-20,MinRate=400 body=10-60,MinRate=400',
    'KeepAlive Off',
    'WSGIMapHEADToGET Off',
    'EnableSendfile On',
    'WSGIChunkedRequest On',
    'WSGIScriptReloading Off',
    'ErrorLogFormat "[%t] \\"%M\\""',
    'AllowOverride FileInfo Indexes',
    'LimitRequestBody 1048576',
    'LoadModule mpm_worker_module',
    'Protocols h2 h2c http/1.1',
    'WSGIServerMetrics On',
    'WSGITrustedProxies 10.0.0.0/8',
    'response-flush-delay=10',
    'switch-interval=0.01',
    'WSGISwitchInterval 0.01',
    'interrupt-timeout=0',
  ]) {
    assert.ok(config.output.includes(expected), `missing ${expected}`);
  }
  // --max-clients 60 with 2 x 4 threads: 60 / (3 + 1) = 15 per child, 4 children.
  const environment = await execIn(server.container, ['sh', '-c', 'tr "\\0" "\\n" < /proc/$(pgrep -o apache2)/environ']);
  assert.match(environment.output, /^MWE_MPM_MAX_REQUEST_WORKERS=60$/m);
  assert.match(environment.output, /^MWE_MPM_THREADS_PER_CHILD=15$/m);
  const ps = await execIn(server.container, ['ps', '-eo', 'args=']);
  assert.match(ps.output, /^mysite /m);
  // /server-status answers loopback clients only.
  const inside = await execIn(server.container, ['env', 'MWE_HEALTHCHECK_PATH=/server-status', '/usr/local/bin/mwe-healthcheck']);
  assert.match(inside.output, /answered 200/);
  assert.is((await httpGet(server.url('/server-status'))).status, 403);
  // --enable-docs: the mod_wsgi package's images, as mod_wsgi-express serves them.
  const image = await httpGet(server.url('/__wsgi__/images/snake-whiskey.jpg'));
  assert.is(image.status, 200);
  assert.is(image.headers['content-type'], 'image/jpeg');

  await buildWithCli([site('wsgi.py'), '--tag', 'mwe-test/prefork', '--server-mpm', 'prefork']);
  const prefork = await serve('mwe-test/prefork');
  assert.is((await httpGet(prefork.url('/app/hello'))).body, 'hello from the site app');
});

options('--mount-point, --working-directory, per-request --application-group, --callable-object and the rest build and serve', async () => {
  await buildWithCli([
    site('wsgi.py'),
    '--tag',
    'mwe-test/misc',
    '--mount-point',
    '/api/',
    '--working-directory',
    site('public'),
    '--python-path',
    SITE,
    '--setenv',
    'APP_GROUP',
    'grp1',
    '--application-group',
    '%{ENV:APP_GROUP}',
    '--callable-object',
    'app',
    '--host',
    '0.0.0.0',
    '--python-eggs',
    '/tmp/eggs',
    '--service-script',
    'svc',
    site('service.py'),
    '--service-user',
    'svc',
    '#10001',
    '--service-group',
    'svc',
    '#0',
    '--stop-timeout',
    '20',
    '--mime-types',
    '/etc/mime.types',
    '--modules-directory',
    '/usr/lib/apache2/modules',
    '--httpd-executable',
    '/usr/sbin/apache2',
  ]);
  const server = await serve('mwe-test/misc', {}, '/api/app/hello');
  const values = environLines((await httpGet(server.url('/api/app/environ'))).body);
  assert.is(values.SCRIPT_NAME, '/api');
  assert.is(values.PATH_INFO, '/app/environ');
  assert.is(values['mod_wsgi.application_group'], 'grp1');
  assert.is(values.cwd, '/srv/app/public');
  // Outside the mount point nothing reaches the application.
  assert.is((await httpGet(server.url('/app/hello'))).status, 404);
  const image = await docker.getImage('mwe-test/misc').inspect();
  assert.ok(image.Config.Env.includes('MWE_STOP_TIMEOUT=20'), image.Config.Env.join(' '));
});

options('--interrupt-timeout: an overrunning request is interrupted (504) and its daemon process keeps serving', async () => {
  await buildWithCli([fixture('faults', 'wsgi.py'), '--tag', 'mwe-test/interrupt', '--threads', '1', '--request-timeout', '2', '--interrupt-timeout', '10']);
  const server = await serve('mwe-test/interrupt', {}, '/');
  const before = (await httpGet(server.url('/pid'))).body;
  const started = Date.now();
  const spun = await httpGet(server.url('/spin?s=60'), 40000);
  assert.is(spun.status, 504, spun.body);
  assert.ok(Date.now() - started < 30000, `interrupted after ${(Date.now() - started) / 1000} s`);
  assert.is((await httpGet(server.url('/pid'))).body, before, 'the same daemon process serves on');
});

options('--server-root: configuration and runtime state in that directory, with a read-only root and an arbitrary UID', async () => {
  await buildWithCli([site('wsgi.py'), '--tag', 'mwe-test/server-root', '--server-root', '/srv/server', '--shell-executable', '/usr/bin/dash']);
  const server = await serve('mwe-test/server-root', { user: '12345:0', hostConfig: { ReadonlyRootfs: true, Tmpfs: { '/tmp': 'size=4m' } } });
  assert.is((await httpGet(server.url('/app/hello'))).body, 'hello from the site app');
  const listing = (await execIn(server.container, ['ls', '/srv/server'])).output.split('\n');
  for (const name of ['httpd.conf', 'handler.wsgi', 'httpd.pid']) assert.ok(listing.includes(name), `${name} in /srv/server: ${listing.join(' ')}`);
  assert.match((await execIn(server.container, ['cat', '/srv/server/httpd.conf'])).output, /^WSGIHandlerScript wsgi-handler '\/srv\/server\/handler\.wsgi'/m);
  assert.is((await execIn(server.container, ['test', '-e', '/etc/mwe-image/httpd.conf'])).code, 1, 'nothing generated in /etc/mwe-image');
  // --shell-executable: the #! of the apachectl the image's setup-server writes.
  await execIn(server.container, ['setup-server', '--server-root', '/tmp/root']);
  assert.match((await execIn(server.container, ['head', '-n', '1', '/tmp/root/apachectl'])).output, /^#!\/usr\/bin\/dash$/m);
  const info = await docker.getImage('mwe-test/server-root').inspect();
  assert.ok(info.Config.Env.includes('MWE_HTTPD_CONF=/srv/server/httpd.conf'), info.Config.Env.join(' '));
  assert.ok(Object.keys(info.Config.Volumes ?? {}).includes('/srv/server'));
});

options('paths inside the image are checked when it is built: a wrong one stops the build naming the option', async () => {
  const result = await runCli([
    'build',
    site('wsgi.py'),
    '--tag',
    'mwe-test/never-rl',
    '--log-directory',
    '/tmp/logs',
    '--rotate-logs',
    '--rotatelogs-executable',
    '/usr/bin/no-rotatelogs',
  ]);
  assert.is(result.code, 1);
  assert.match(
    result.stderr.trim().split('\n').pop()!,
    /^mwe-image: image build failed at .*: --rotatelogs-executable: \/usr\/bin\/no-rotatelogs is not an executable file in the image; give a path inside the image \(not on the host\) or drop --rotatelogs-executable/,
  );
  assert.is((await docker.listImages({ filters: { reference: ['mwe-test/never-rl'] } })).length, 0);
});

options('--free-threading and telemetry are refused with the reason when the toolchain lacks them', async () => {
  const freeThreading = await runCli(['build', site('wsgi.py'), '--tag', 'mwe-test/never-ft', '--free-threading']);
  assert.is(freeThreading.code, 2);
  assert.match(freeThreading.stderr.trim().split('\n').pop()!, /--free-threading: Python 3\.\d+ in this toolchain is not a free-threaded build/);
  // Debian's mod_wsgi 5.0.2 predates telemetry: the module probed in the build stage decides.
  const telemetry = await runCli(['build', site('wsgi.py'), '--mod-wsgi', 'debian', '--tag', 'mwe-test/never-tm', '--telemetry-service', 'unix:/tmp/t.sock']);
  assert.is(telemetry.code, 2);
  assert.match(
    telemetry.stderr.trim().split('\n').pop()!,
    /--telemetry-service: mod_wsgi 5\.0\.2 has no WSGITelemetryService directive \(telemetry came with mod_wsgi 6\); build with --mod-wsgi pypi/,
  );
  // So are mod_wsgi 6's daemon options.
  const interrupt = await runCli(['build', site('wsgi.py'), '--mod-wsgi', 'debian', '--tag', 'mwe-test/never-it', '--interrupt-timeout', '5']);
  assert.is(interrupt.code, 2);
  assert.match(interrupt.stderr.trim().split('\n').pop()!, /--interrupt-timeout: mod_wsgi 5\.0\.2 has no interrupt-timeout option on WSGIDaemonProcess/);
  for (const tag of ['mwe-test/never-ft', 'mwe-test/never-tm', 'mwe-test/never-it']) {
    assert.is((await docker.listImages({ filters: { reference: [tag] } })).length, 0);
  }
});

options('mwe-image config prints the configuration build bakes in', async () => {
  const result = await runCli(['config', site('wsgi.py'), '--server-name', 'www.example.test', '--compress-responses']);
  assert.is(result.code, 0, result.stderr);
  assert.match(result.stdout, /^ServerName www\.example\.test$/m);
  assert.match(result.stdout, /^AddOutputFilterByType DEFLATE text\/html$/m);
  assert.match(result.stdout, /^WSGIDaemonProcess 'localhost:\$\{PORT\}'/m);
});

options.run();
