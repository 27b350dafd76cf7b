import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { resolveBuildOptions } from '../../src/options.js';
import { planBuild } from '../../src/plan.js';
import { renderHandlerScript, renderHttpdConf, runtimeEnvironment } from '../../src/render.js';
import { TRIXIE_FACTS } from '../helpers/facts.js';
import { example, fixture } from '../helpers/paths.js';

const HELLO = example('hello', 'wsgi.py');
const conf = (raw: Record<string, unknown> = {}, app = HELLO): string =>
  renderHttpdConf(planBuild(app, resolveBuildOptions(raw)), TRIXIE_FACTS, 'mwe-image build test');
const directive = (text: string, name: string): string[] =>
  text.split('\n').filter((line) => line.startsWith(`${name} `)).map((line) => line.slice(name.length + 1));

test('defaults: daemon mode, port 8000, 5 threads, one process, express timeouts', () => {
  const text = conf();
  assert.equal(directive(text, 'Listen'), ['${PORT}']);
  assert.equal(runtimeEnvironment(resolveBuildOptions({})), {
    PORT: '8000', MWE_PROCESSES: '', MWE_THREADS: '5', MWE_LOG_LEVEL: 'warn', MWE_STOP_TIMEOUT: '8',
    MWE_MPM_MODE: 'daemon', MWE_STARTUP_LOG: '', MWE_ENVVARS: '',
  });
  assert.match(text, /<IfDefine !MWE_MULTIPROCESS>\nWSGIDaemonProcess 'localhost:\$\{PORT\}' \\\n   display-name/);
  assert.match(text, /<IfDefine MWE_MULTIPROCESS>\nWSGIDaemonProcess 'localhost:\$\{PORT\}' \\\n   processes=\$\{MWE_PROCESSES\}/);
  assert.match(text, /^   threads=\$\{MWE_THREADS\} \\$/m);
  for (const setting of ['queue-timeout=45', 'socket-timeout=60', 'connect-timeout=15', 'request-timeout=60',
    'startup-timeout=15', 'deadlock-timeout=60', 'graceful-timeout=15', 'shutdown-timeout=5', 'listen-backlog=100']) {
    assert.match(text, new RegExp(`^   ${setting} \\\\$`, 'm'), setting);
  }
  assert.equal(directive(text, 'Timeout'), ['60']);
  assert.equal(directive(text, 'ListenBacklog'), ['500']);
  assert.equal(directive(text, 'RequestReadTimeout'), ['header=15-30,MinRate=500 body=15,MinRate=500']);
  assert.equal(directive(text, 'LimitRequestBody'), ['10485760']);
  assert.equal(directive(text, 'KeepAliveTimeout'), ['2']);
  assert.equal(directive(text, 'WSGIRestrictEmbedded'), ['On']);
  assert.equal(directive(text, 'LoadModule wsgi_module'), ["'/usr/local/lib/mwe-image/mod_wsgi.so'"]);
  assert.equal(directive(text, 'WSGIPythonHome'), ["'/usr'"]);
  assert.equal(directive(text, 'MaxRequestWorkers'), ['${MWE_MPM_MAX_REQUEST_WORKERS}']);
  assert.equal(directive(text, 'GracefulShutdownTimeout'), ['${MWE_STOP_TIMEOUT}']);
  assert.equal(directive(text, 'User'), ['#10001']);
  assert.equal(directive(text, 'Group'), ['#0']);
});

test('logs go to the terminal inside the container', () => {
  const text = conf();
  assert.equal(directive(text, 'ErrorLog'), ["'/dev/stderr'"]);
  assert.equal(directive(text, 'LogLevel'), ['${MWE_LOG_LEVEL}']);
  assert.not.match(text, /CustomLog/);
  const withAccess = conf({ accessLog: true });
  assert.equal(directive(withAccess, 'CustomLog'), ["'/dev/stdout' common"]);
  assert.is(runtimeEnvironment(resolveBuildOptions({ logLevel: 'info' })).MWE_LOG_LEVEL, 'info');
});

test('runtime state lives under /tmp so a read-only root works', () => {
  const text = conf();
  assert.equal(directive(text, 'PidFile'), ["'/tmp/mwe-image/httpd.pid'"]);
  assert.equal(directive(text, 'WSGISocketPrefix'), ["'/tmp/mwe-image/wsgi'"]);
  assert.equal(directive(text, 'DefaultRuntimeDir'), ["'/tmp/mwe-image'"]);
});

test('--port and --host set Listen, the process group and the virtual host', () => {
  const text = conf({ port: '9000', host: '0.0.0.0' });
  assert.equal(directive(text, 'Listen'), ['0.0.0.0:${PORT}']);
  assert.is(runtimeEnvironment(resolveBuildOptions({ port: '9000' })).PORT, '9000');
  assert.match(text, /WSGIDaemonProcess '0.0.0.0:\$\{PORT\}'/);
  assert.match(text, /<VirtualHost _default_:\$\{PORT\}>/);
  assert.equal(directive(conf({ host: '::1' }), 'Listen'), ['[::1]:${PORT}']);
});

test('--processes, --threads and --stop-timeout become the image defaults of their variables', () => {
  assert.equal(runtimeEnvironment(resolveBuildOptions({ processes: '3', threads: '10', stopTimeout: '20' })), {
    PORT: '8000', MWE_PROCESSES: '3', MWE_THREADS: '10', MWE_LOG_LEVEL: 'warn', MWE_STOP_TIMEOUT: '20',
    MWE_MPM_MODE: 'daemon', MWE_STARTUP_LOG: '', MWE_ENVVARS: '',
  });
});

test('--user and --group name the account used when started as root', () => {
  const text = conf({ user: 'www-data', group: 'www-data' });
  assert.equal(directive(text, 'User'), ['www-data']);
  assert.equal(directive(text, 'Group'), ['www-data']);
});

test('--application-type static serves files only: no daemon, no handler', () => {
  const text = conf({ applicationType: 'static' }, fixture('app', 'static'));
  assert.not.match(text, /WSGIDaemonProcess/);
  assert.not.match(text, /WSGIHandlerScript/);
  assert.equal(directive(text, 'DocumentRoot'), ["'/srv/app'"]);
});

test('--mount-point routes only that prefix to the handler', () => {
  const text = conf({ mountPoint: '/api/', documentRoot: fixture('app', 'static') });
  assert.match(text, /<Directory '\/srv\/docroot\/api\/'>\n    RewriteCond %\{REQUEST_FILENAME\} !-f\n    RewriteRule \.\* - \[H=wsgi-handler\]/);
  assert.equal(directive(text, 'DocumentRoot'), ["'/srv/docroot'"]);
});

test('--url-alias renders Alias with access granted, longest first', () => {
  const text = conf({ urlAliases: [['/s/', fixture('app', 'static')], ['/s/marker.txt', fixture('app', 'static', 'marker.txt')]] }, fixture('app', 'wsgi.py'));
  assert.equal(directive(text, 'Alias'), ["'/s/marker.txt' '/srv/app/static/marker.txt'", "'/s/' '/srv/app/static/'"]);
  assert.match(text, /<Directory '\/srv\/app\/static'>\n<Files 'marker.txt'>\n    Require all granted/);
  assert.match(text, /<Directory '\/srv\/app\/static\/'>\n    AllowOverride None\n    Require all granted/);
});

test('optional directives appear only when the built module knows them', () => {
  assert.match(conf(), /WSGISocketRotation Off/);
  const old = renderHttpdConf(planBuild(HELLO, resolveBuildOptions({})), { ...TRIXIE_FACTS, directives: [] }, 'x');
  assert.not.match(old, /WSGISocketRotation/);
  assert.not.match(old, /WSGIDestroyInterpreter/);
});

test('the handler script embeds values as Python literals', () => {
  const script = renderHandlerScript(planBuild(HELLO, resolveBuildOptions({ callableObject: 'app', mountPoint: '/api' })));
  assert.match(script, /^entry_point = "\/srv\/app\/wsgi.py"$/m);
  assert.match(script, /^callable_object = "app"$/m);
  assert.match(script, /^mount_point = "\/api"$/m);
  assert.match(script, /^application_type = "script"$/m);
});

test.run();
