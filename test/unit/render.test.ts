import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { resolveBuildOptions } from '../../src/options.js';
import { planBuild } from '../../src/plan.js';
import { checkPathsScript, loadedModuleFiles, renderDockerfile, renderHandlerScript, renderHttpdConf, runtimeEnvironment } from '../../src/render.js';
import { appContext } from '../../src/app-image.js';
import type { Toolchain } from '../../src/toolchain.js';
import { TRIXIE_FACTS } from '../helpers/facts.js';
import { example, fixture } from '../helpers/paths.js';

const HELLO = example('hello', 'wsgi.py');
const conf = (raw: Record<string, unknown> = {}, app = HELLO): string =>
  renderHttpdConf(planBuild(app, resolveBuildOptions(raw)), TRIXIE_FACTS, 'mwe-image build test');
const directive = (text: string, name: string): string[] =>
  text
    .split('\n')
    .filter((line) => line.startsWith(`${name} `))
    .map((line) => line.slice(name.length + 1));

/** The image's runtime environment with every option at its default. */
const DEFAULT_ENVIRONMENT = {
  PORT: '8000',
  MWE_PROCESSES: '',
  MWE_THREADS: '5',
  MWE_LOG_LEVEL: 'warn',
  MWE_STOP_TIMEOUT: '8',
  MWE_STOP_DELAY: '0',
  MWE_LOG_FORMAT: 'text',
  MWE_HOST: '',
  MWE_HEALTHCHECK_HOST: 'localhost',
  MWE_HEALTHCHECK_PATH: '/',
  MWE_WSGI_MODE: 'daemon',
  MWE_STARTUP_LOG: '',
  MWE_ENVVARS: '',
  MWE_DIRECTORIES: '',
  MWE_MAX_CLIENTS: '',
  MWE_INITIAL_WORKERS: '',
  MWE_MINIMUM_SPARE_WORKERS: '',
  MWE_MAXIMUM_SPARE_WORKERS: '',
  MWE_PROCESS_NAME: '',
  MWE_HTTPD: '',
  MWE_HTTPD_CONF: '/etc/mwe-image/httpd.conf',
  MWE_RUNTIME_DIR: '/tmp/mwe-image',
  MWE_PID_FILE: '',
  MWE_RELOAD_ON_CHANGES: '0',
  MWE_EXIT_ON_STARTUP_FAILURE: '0',
  MWE_CPU_AFFINITY: '0',
  MWE_HEALTHCHECK_TIMEOUT: '',
  MWE_SHELL_EXECUTABLE: '',
};

test('defaults: daemon mode, port 8000, 5 threads, one process, express timeouts', () => {
  const text = conf();
  assert.equal(directive(text, 'Listen'), ['${PORT}']);
  assert.equal(runtimeEnvironment(resolveBuildOptions({})), DEFAULT_ENVIRONMENT);
  assert.match(text, /<IfDefine !MWE_MULTIPROCESS>\nWSGIDaemonProcess 'localhost:\$\{PORT\}' \\\n   display-name/);
  assert.match(text, /<IfDefine MWE_MULTIPROCESS>\nWSGIDaemonProcess 'localhost:\$\{PORT\}' \\\n   processes=\$\{MWE_PROCESSES\}/);
  assert.match(text, /^   threads=\$\{MWE_THREADS\} \\$/m);
  for (const setting of [
    'queue-timeout=45',
    'socket-timeout=60',
    'connect-timeout=15',
    'request-timeout=60',
    'startup-timeout=15',
    'deadlock-timeout=60',
    'graceful-timeout=15',
    'shutdown-timeout=5',
    'listen-backlog=100',
  ]) {
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
  assert.equal(directive(text, 'MaxRequestWorkers'), ['${MWE_MPM_PREFORK_MAX_CLIENTS}', '${MWE_MPM_MAX_REQUEST_WORKERS}']);
  assert.equal(directive(text, 'GracefulShutdownTimeout'), ['${MWE_STOP_TIMEOUT}']);
  assert.equal(directive(text, 'User'), ['#10001']);
  assert.equal(directive(text, 'Group'), ['#0']);
});

test('logs go to the terminal inside the container; MWE_LOG_FORMAT=json pipes them through the JSON logger', () => {
  const text = conf();
  assert.equal(directive(text, 'ErrorLog'), ['"||/usr/local/bin/mwe-entrypoint json-log error"', "'/dev/stderr'"]);
  assert.match(
    text,
    /<IfDefine MWE_JSON_LOGS>\n[\s\S]*ErrorLog "\|\|\/usr\/local\/bin\/mwe-entrypoint json-log error"\n<\/IfDefine>\n<IfDefine !MWE_JSON_LOGS>\nErrorLog '\/dev\/stderr'\n<\/IfDefine>/,
  );
  assert.equal(directive(text, 'LogLevel'), ['${MWE_LOG_LEVEL}']);
  assert.not.match(text, /CustomLog/);
  const withAccess = conf({ accessLog: true });
  assert.equal(directive(withAccess, 'CustomLog'), ['"||/usr/local/bin/mwe-entrypoint json-log access" mwe-json', "'/dev/stdout' common"]);
  assert.is(runtimeEnvironment(resolveBuildOptions({ logFormat: 'json' })).MWE_LOG_FORMAT, 'json');
  assert.is(runtimeEnvironment(resolveBuildOptions({ logLevel: 'info' })).MWE_LOG_LEVEL, 'info');
});

test('runtime state lives under MWE_RUNTIME_DIR, /tmp/mwe-image in the image, so a read-only root works', () => {
  const text = conf();
  assert.equal(directive(text, 'PidFile'), ["'${MWE_RUNTIME_DIR}/httpd.pid'"]);
  assert.equal(directive(text, 'WSGISocketPrefix'), ["'${MWE_RUNTIME_DIR}/wsgi'"]);
  assert.equal(directive(text, 'DefaultRuntimeDir'), ["'${MWE_RUNTIME_DIR}'"]);
  assert.is(runtimeEnvironment(resolveBuildOptions({})).MWE_RUNTIME_DIR, '/tmp/mwe-image');
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
  assert.equal(
    runtimeEnvironment(
      resolveBuildOptions({ processes: '3', threads: '10', stopTimeout: '20', stopDelay: '5', host: '::', serverName: 'app.example', mountPoint: '/app' }),
    ),
    {
      ...DEFAULT_ENVIRONMENT,
      MWE_PROCESSES: '3',
      MWE_THREADS: '10',
      MWE_STOP_TIMEOUT: '20',
      MWE_STOP_DELAY: '5',
      MWE_HOST: '::',
      MWE_HEALTHCHECK_HOST: 'app.example',
      MWE_HEALTHCHECK_PATH: '/app',
    },
  );
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
  const text = conf(
    {
      urlAliases: [
        ['/s/', fixture('app', 'static')],
        ['/s/marker.txt', fixture('app', 'static', 'marker.txt')],
      ],
    },
    fixture('app', 'wsgi.py'),
  );
  // The readiness path comes first: a user's alias of the same URL would not take it over.
  assert.equal(directive(text, 'Alias'), [
    "'/.mwe/ready' '/usr/local/lib/mwe-image/ready'",
    "'/s/marker.txt' '/srv/app/static/marker.txt'",
    "'/s/' '/srv/app/static/'",
  ]);
  assert.match(text, /<Directory '\/srv\/app\/static'>\n<Files 'marker.txt'>\n    Require all granted/);
  assert.match(text, /<Directory '\/srv\/app\/static\/'>\n    AllowOverride None\n    Require all granted/);
});

test('the app image assembles on the toolchain: an apt round only for --system-packages', () => {
  const dockerfile = (raw: Record<string, unknown> = {}) => renderDockerfile(planBuild(HELLO, resolveBuildOptions(raw)), TRIXIE_FACTS);
  assert.match(dockerfile(), /^FROM toolchain AS assembly$/m);
  assert.not.match(dockerfile(), /apt-get/);
  assert.match(dockerfile({ systemPackages: ['libpq5'] }), /apt-get install -y --no-install-recommends libpq5$/m);
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
  assert.match(script, /^startup_timeout = 15$/m);
  assert.match(script, /^exit_on_startup_failure = os\.environ\.get\("MWE_EXIT_ON_STARTUP_FAILURE", "0"\) == '1'$/m);
});

test('--startup-timeout and --exit-on-startup-failure reach the handler; embedded mode has no watchdog', () => {
  const handler = (raw: Record<string, unknown>) => renderHandlerScript(planBuild(HELLO, resolveBuildOptions(raw)));
  const script = handler({ startupTimeout: 30, exitOnStartupFailure: true });
  assert.match(script, /^startup_timeout = 30$/m);
  assert.match(script, /^exit_on_startup_failure = os\.environ\.get\("MWE_EXIT_ON_STARTUP_FAILURE", "1"\) == '1'$/m);
  assert.match(handler({ embeddedMode: true }), /^startup_timeout = 0$/m);
});

test('--cpu-affinity reaches the handler as the default of MWE_CPU_AFFINITY', () => {
  const handler = (raw: Record<string, unknown>) => renderHandlerScript(planBuild(HELLO, resolveBuildOptions(raw)));
  assert.match(handler({}), /^cpu_affinity = os\.environ\.get\("MWE_CPU_AFFINITY", "0"\) == '1'$/m);
  assert.match(handler({ cpuAffinity: true }), /^cpu_affinity = os\.environ\.get\("MWE_CPU_AFFINITY", "1"\) == '1'$/m);
  assert.equal(runtimeEnvironment(resolveBuildOptions({ cpuAffinity: true })).MWE_CPU_AFFINITY, '1');
});

const SITE = fixture('site', 'wsgi.py');
const siteConf = (raw: Record<string, unknown>, facts = TRIXIE_FACTS): string => renderHttpdConf(planBuild(SITE, resolveBuildOptions(raw)), facts, 'x');

test('--server-name: refusing default vhost, named vhost with aliases, www redirect', () => {
  const text = siteConf({ serverName: 'www.example.com', serverAliases: ['*.example.org', 'api.example.net'] });
  assert.match(text, /<VirtualHost _default_:\$\{PORT\}>\n<Location \/>\n    Require all denied\n<\/Location>/);
  assert.match(text, /<VirtualHost \*:\$\{PORT\}>\nServerName www\.example\.com\nServerAlias \*\.example\.org api\.example\.net\n<\/VirtualHost>/);
  assert.match(text, /ServerName example\.com\nRedirect permanent \/ http:\/\/www\.example\.com:\$\{PORT\}\//);
  assert.not.match(siteConf({ serverName: 'example.com' }), /Redirect permanent/);
});

test('--allow-localhost lets loopback clients in with Require local (not a 2.2 Allow)', () => {
  const text = siteConf({ serverName: 'example.com', allowLocalhost: true });
  assert.match(text, /<Location \/>\n    # .*\n    AuthMerging And\n    Require local\n<\/Location>/);
  assert.not.match(text, /Allow from/);
  assert.not.match(text, /Require all denied\n<\/Location>/);
});

test('static options: index, listing, overrides, error documents, error override', () => {
  const text = siteConf({
    documentRoot: fixture('site', 'public'),
    directoryIndex: 'index.html',
    directoryListing: true,
    allowOverride: ['FileInfo', 'Indexes'],
    errorDocuments: [
      ['404', '/errors/404.html'],
      ['500', '/errors/500.html'],
    ],
    errorOverride: true,
  });
  assert.match(text, /<Directory '\/srv\/app\/public'>\n    AllowOverride FileInfo Indexes\n    DirectoryIndex index.html\n    Options \+Indexes/);
  assert.match(text, /RewriteCond %\{REQUEST_FILENAME\} !-d/);
  assert.match(text, /LoadModule autoindex_module/);
  assert.equal(directive(text, 'ErrorDocument'), ["404 '/errors/404.html'", "500 '/errors/500.html'"]);
  assert.equal(directive(text, 'WSGIErrorOverride'), ['On']);
});

test('--add-handler and --with-cgi', () => {
  const text = siteConf({ addHandlers: [['.tmpl', fixture('site', 'render_tmpl.py')]], withCgi: true });
  assert.match(text, /WSGIHandlerScript add-handler '\/etc\/mwe-image\/add-handler.wsgi'/);
  assert.equal(directive(text, 'AddHandler'), ['cgi-script .cgi', 'add-handler .tmpl']);
  assert.match(text, /LoadModule cgi_module/);
  const withCgid = siteConf({ withCgi: true }, { ...TRIXIE_FACTS, apacheModules: ['cgi', 'cgid'] });
  assert.match(withCgid, /LoadModule cgid_module/);
  assert.match(withCgid, /ScriptSock '\$\{MWE_RUNTIME_DIR\}\/cgisock'/);
});

test('groups: process group name, application group, embedded mode', () => {
  const named = siteConf({ processGroup: 'myapp', applicationGroup: 'appgroup' });
  assert.match(named, /WSGIDaemonProcess 'myapp' \\\n   display-name='\(wsgi:myapp\)'/);
  assert.match(named, /process-group='myapp' application-group=appgroup/);
  const perRequest = siteConf({ applicationGroup: '%{ENV:APP_GROUP}' });
  assert.match(perRequest, /application-group=%\{ENV:APP_GROUP\}/);
  assert.not.match(perRequest, /WSGIImportScript/);
  const embedded = siteConf({ embeddedMode: true, maximumRequests: '500' });
  assert.not.match(embedded, /WSGIDaemonProcess/);
  assert.not.match(embedded, /WSGIRestrictEmbedded/);
  assert.match(embedded, /process-group='%\{GLOBAL\}'/);
  assert.equal(directive(embedded, 'MaxConnectionsPerChild'), ['500']);
  assert.is(runtimeEnvironment(resolveBuildOptions({ embeddedMode: true })).MWE_WSGI_MODE, 'embedded');
});

test('environment: setenv, passenv, python path and eggs, warnings, locale chain', () => {
  const text = siteConf({
    setenv: [['MODE', 'two words']],
    passenv: ['SECRET_TOKEN'],
    pythonPath: [fixture('pylib')],
    pythonEggs: '/var/tmp/eggs',
    pythonWarnings: ['error::DeprecationWarning', 'ignore'],
  });
  assert.equal(directive(text, 'SetEnv'), ["'MODE' 'two words'"]);
  assert.equal(directive(text, 'PassEnv'), ["'SECRET_TOKEN'"]);
  assert.match(text, /python-path='\/srv\/python-path\/0'/);
  assert.match(text, /python-eggs='\/var\/tmp\/eggs'/);
  assert.equal(directive(text, 'WSGIPythonWarnings'), ["'error::DeprecationWarning'", "'ignore'"]);
  assert.match(siteConf({}, { ...TRIXIE_FACTS, locales: ['C', 'C.utf8', 'POSIX'] }), /locale='C.UTF-8'/);
  assert.match(siteConf({}, { ...TRIXIE_FACTS, locales: ['C.utf8', 'en_US.utf8'] }), /locale='en_US.UTF-8'/);
  assert.not.match(siteConf({}, { ...TRIXIE_FACTS, locales: ['C', 'POSIX'] }), /locale=/);
  assert.match(siteConf({ locale: 'de_DE.UTF-8' }), /lang='de_DE.UTF-8'/);
});

test('--compress-responses loads mod_deflate for the text types', () => {
  const text = siteConf({ compressResponses: true });
  assert.match(text, /LoadModule deflate_module/);
  for (const type of ['text/plain', 'text/html', 'text/css', 'application/javascript', 'application/json']) {
    assert.ok(directive(text, 'AddOutputFilterByType').includes(`DEFLATE ${type}`), type);
  }
});

test('logging: terminal by default, files and rotatelogs under --log-directory', () => {
  const files = siteConf({ logDirectory: '/var/log/app', accessLog: true, errorLogName: 'err.log' });
  assert.equal(directive(files, 'ErrorLog'), ["'/var/log/app/err.log'"]);
  assert.equal(directive(files, 'CustomLog'), ["'/var/log/app/access_log' common"]);
  const rotated = siteConf({ logDirectory: '/var/log/app', accessLog: true, rotateLogs: true, maxLogSize: '10' });
  assert.equal(directive(rotated, 'ErrorLog'), ['"|/usr/bin/rotatelogs /var/log/app/error_log.%Y-%m-%d-%H_%M_%S 10M"']);
  assert.not.match(files, /json-log/, 'JSON lines are for the terminal only');
  const custom = siteConf({ accessLog: true, accessLogFormat: '%h "%r" %>s' });
  assert.match(custom, /^LogFormat "%h \\"%r\\" %>s" custom$/m);
  assert.equal(directive(custom, 'CustomLog'), ['"||/usr/local/bin/mwe-entrypoint json-log access" mwe-json', "'/dev/stdout' custom"]);
  assert.is(runtimeEnvironment(resolveBuildOptions({ startupLog: true })).MWE_STARTUP_LOG, '/dev/stderr');
});

test('front-end tuning: MPM choice, http2, metrics, status, proxies, paths', () => {
  const text = siteConf({
    serverMpm: 'worker',
    http2: true,
    serverMetrics: true,
    serverStatus: true,
    orphanInterpreter: true,
    ignoreActivity: ['/health'],
    trustProxyHeaders: ['X-Forwarded-For', 'X-Forwarded-Proto'],
    trustProxies: ['10.0.0.0/8'],
    socketPrefix: '/run/wsgi',
    pidFile: '/run/httpd.pid',
    mimeTypes: '/usr/share/mime.types',
    modulesDirectory: '/opt/modules',
  });
  assert.match(text, /LoadModule mpm_worker_module '\/opt\/modules\/mod_mpm_worker.so'/);
  assert.match(text, /<IfModule mpm_worker_module>\nServerLimit \$\{MWE_MPM_SERVER_LIMIT\}/);
  assert.match(text, /LoadModule http2_module/);
  assert.equal(directive(text, 'Protocols'), ['h2 h2c http/1.1']);
  assert.equal(directive(text, 'WSGIServerMetrics'), ['On']);
  assert.match(text, /server-metrics=On/);
  assert.match(text, /<Location \/server-status>\n    SetHandler server-status\n    Require local/);
  assert.match(text, /RewriteCond %\{REQUEST_URI\} !\/server-status/);
  assert.equal(directive(text, 'WSGIDestroyInterpreter'), ['Off']);
  assert.match(text, /<Location '\/health'>\n    WSGIIgnoreActivity On/);
  assert.equal(directive(text, 'WSGITrustedProxyHeaders'), ['X-Forwarded-For X-Forwarded-Proto']);
  assert.equal(directive(text, 'WSGITrustedProxies'), ['10.0.0.0/8']);
  assert.equal(directive(text, 'WSGISocketPrefix'), ["'/run/wsgi/wsgi'"]);
  assert.equal(directive(text, 'PidFile'), ["'/run/httpd.pid'"]);
  assert.equal(directive(text, 'TypesConfig'), ["'/usr/share/mime.types'"]);
  const env = runtimeEnvironment(
    resolveBuildOptions({ maxClients: '150', initialWorkers: '0.5', processName: 'myserver', httpdExecutable: '/usr/sbin/httpd' }),
  );
  assert.is(env.MWE_MAX_CLIENTS, '150');
  assert.is(env.MWE_INITIAL_WORKERS, '0.5');
  assert.is(env.MWE_PROCESS_NAME, 'myserver');
  assert.is(env.MWE_HTTPD, '/usr/sbin/httpd');
  const prefork = siteConf({ serverMpm: 'prefork' });
  assert.match(prefork, /LoadModule mpm_prefork_module/);
  assert.match(prefork, /<IfModule mpm_prefork_module>\nServerLimit \$\{MWE_MPM_PREFORK_MAX_CLIENTS\}/);
});

test('--system-packages become one cached apt layer of the Dockerfile', () => {
  const plan = planBuild(SITE, resolveBuildOptions({ systemPackages: ['python3-flask', 'libpq5'] }));
  assert.match(renderDockerfile(plan, TRIXIE_FACTS), /apt-get install -y --no-install-recommends python3-flask libpq5$/m);
  assert.not.match(renderDockerfile(planBuild(SITE, resolveBuildOptions({})), TRIXIE_FACTS), /--system-packages/);
});

test("only the modules the config loads reach the image: the generated LoadModule lines, mod_wsgi and an --include-file's", () => {
  const directory = mkdtempSync(path.join(tmpdir(), 'mwe-modules-'));
  try {
    const include = path.join(directory, 'proxy.conf');
    writeFileSync(include, 'LoadModule proxy_module modules/mod_proxy.so\n  loadmodule proxy_http_module "/usr/lib/apache2/modules/mod_proxy_http.so"\n');
    const plain = loadedModuleFiles(planBuild(SITE, resolveBuildOptions({})), TRIXIE_FACTS);
    assert.ok(plain.includes('/usr/lib/apache2/modules/mod_mpm_event.so'));
    assert.ok(plain.includes('/usr/lib/apache2/modules/mod_rewrite.so'));
    assert.ok(plain.includes(TRIXIE_FACTS.moduleLink));
    assert.not.ok(plain.some((file) => file.includes('mod_status') || file.includes('mod_proxy')));
    const options = resolveBuildOptions({ includeFiles: [include], serverStatus: true, allowOutsidePaths: true });
    const loaded = loadedModuleFiles(planBuild(SITE, options), TRIXIE_FACTS);
    for (const name of ['mod_status', 'mod_proxy', 'mod_proxy_http']) assert.ok(loaded.includes(`/usr/lib/apache2/modules/${name}.so`), name);
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
});

test('custom configuration and service scripts', () => {
  const text = siteConf({
    includeFiles: [fixture('site', 'include.conf')],
    rewriteRules: fixture('site', 'rewrite.conf'),
    serviceScripts: [['worker', fixture('site', 'service.py')]],
    serviceUsers: [['worker', 'www-data']],
  });
  assert.match(text, /\nInclude '\/etc\/mwe-image\/include\/0-include.conf'\n$/);
  assert.match(text, /    Include '\/etc\/mwe-image\/rewrite.conf'/);
  assert.match(text, /WSGIDaemonProcess 'service:worker' \\\n    display-name=%\{GROUP\} \\\n    user='www-data' \\/);
  assert.match(text, /WSGIImportScript '\/srv\/app\/service.py' \\\n    process-group='service:worker'/);
});

const AUTH = (name: string) => fixture('auth', name);

test('proxy, HTTPS and auth modules are loaded only when their options are used', () => {
  const modules = (text: string) => directive(text, 'LoadModule').map((line) => line.split(' ')[0]);
  const plain = modules(conf());
  for (const name of ['ssl_module', 'proxy_module', 'proxy_http_module', 'auth_basic_module', 'auth_digest_module', 'authz_user_module']) {
    assert.not.ok(plain.includes(name), name);
  }
  assert.ok(modules(conf({ proxyMountPoints: [['/ws/', 'http://127.0.0.1:9000/']] })).includes('proxy_http_module'));
  assert.ok(modules(conf({ authUserScript: AUTH('users.py') })).includes('authz_user_module'));
  const https = conf({ httpsPort: '8443', sslCertificateFile: AUTH('wsgi.py'), sslCertificateKeyFile: AUTH('groups.py') });
  assert.ok(modules(https).includes('ssl_module'));
  assert.equal(directive(https, 'Listen'), ['${PORT}', '8443']);
  assert.equal(directive(https, 'SSLCertificateKeyFile'), ["'/etc/mwe-image/ssl/server.key'"]);
});

test('--https-port: EXPOSEd, the key written with mode 0640 whatever its mode on the host', () => {
  const plan = planBuild(
    HELLO,
    resolveBuildOptions({
      httpsPort: '8443',
      sslCertificateFile: AUTH('wsgi.py'),
      sslCertificateKeyFile: AUTH('groups.py'),
      sslCaCertificateFile: AUTH('users.py'),
    }),
  );
  assert.match(renderDockerfile(plan, TRIXIE_FACTS), /^EXPOSE 8000 8443$/m);
  const modes = appContext(plan, { tag: 'toolchain', facts: TRIXIE_FACTS } as Toolchain, 'test').modes();
  assert.is(modes['config/ssl/server.key'], 0o640);
  assert.is(modes['config/ssl/server.crt'], 0o644);
  assert.is(modes['config/ssl/client-ca.crt'], 0o644);
});

test('the in-image path check: no step without such options, one mwe-image line naming the option when a path is wrong', () => {
  assert.is(checkPathsScript(resolveBuildOptions({})), undefined);
  assert.not.match(renderDockerfile(planBuild(example('hello', 'wsgi.py'), resolveBuildOptions({})), TRIXIE_FACTS), /check-paths/);
  const run = (raw: Record<string, unknown>) => spawnSync('sh', ['-c', checkPathsScript(resolveBuildOptions(raw))!], { encoding: 'utf8' });
  // Run here against this machine's files: what exists passes, what does not stops with the option named.
  assert.is(run({ httpdExecutable: '/bin/sh', modulesDirectory: '/usr', mimeTypes: '/etc/passwd', shellExecutable: '/bin/sh' }).status, 0);
  const missing = run({ httpdExecutable: '/bin/sh', rotatelogsExecutable: '/no/such/rotatelogs' });
  assert.is(missing.status, 1);
  assert.is(
    missing.stderr,
    'mwe-image: --rotatelogs-executable: /no/such/rotatelogs is not an executable file in the image; give a path inside the image (not on the host) or drop --rotatelogs-executable\n',
  );
  assert.match(run({ modulesDirectory: '/etc/passwd' }).stderr, /^mwe-image: --modules-directory: \/etc\/passwd is not a directory in the image/);
  assert.match(run({ shellExecutable: '/etc/passwd' }).stderr, /^mwe-image: --shell-executable: \/etc\/passwd is not an executable file/);
  const dockerfile = renderDockerfile(planBuild(example('hello', 'wsgi.py'), resolveBuildOptions({ shellExecutable: '/bin/bash' })), TRIXIE_FACTS);
  assert.match(dockerfile, /^RUN \/bin\/sh \/tmp\/mwe-check-paths\.sh && rm \/tmp\/mwe-check-paths\.sh$/m);
  assert.match(dockerfile, /MWE_SHELL_EXECUTABLE="\/bin\/bash"/);
});

test.run();
