/**
 * What the plan lets into an image (issue #13): the host paths the options
 * copy, resolved; system directories never, paths outside the build's
 * directories only with --allow-outside-paths, the app's directory served only
 * with --allow-app-in-document-root, links leaving a copied tree refused, and
 * likely secrets left out (listed for the build's warning).
 */
import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { leftOutWarning } from '../../src/pipeline.js';
import { resolveBuildOptions } from '../../src/options.js';
import { planBuild, systemDirectory } from '../../src/plan.js';
import { renderDockerfile, renderHttpdConf } from '../../src/render.js';
import { TRIXIE_FACTS } from '../helpers/facts.js';
import { example, fixture } from '../helpers/paths.js';
import { usageError } from '../helpers/usage.js';

/** A project outside the current directory: proj/app/wsgi.py, proj/static/, proj/other/. */
function withProject(run: (project: string) => void): void {
  const project = realpathSync(mkdtempSync(path.join(tmpdir(), 'mwe-paths-')));
  try {
    for (const file of ['app/wsgi.py', 'app/.env', 'app/public/index.html', 'static/site.css', 'other/lib.py']) {
      mkdirSync(path.dirname(path.join(project, file)), { recursive: true });
      writeFileSync(path.join(project, file), 'x');
    }
    run(project);
  } finally {
    rmSync(project, { recursive: true, force: true });
  }
}

const plan = (app: string, raw: Record<string, unknown> = {}) => planBuild(app, resolveBuildOptions(raw));

test('system directories are never copied, whatever the flags', () => {
  assert.is(systemDirectory('/'), '/');
  assert.is(systemDirectory('/proc/self'), '/proc');
  assert.is(systemDirectory('/dev'), '/dev');
  assert.is(systemDirectory('/devices'), undefined);
  assert.is(systemDirectory('/srv'), undefined);
  const APP = example('hello', 'wsgi.py');
  for (const allowOutsidePaths of [false, true]) {
    usageError(() => plan(APP, { documentRoot: '/', allowOutsidePaths }), /^--document-root: '\/' is the root directory, which is never copied into an image/);
    usageError(() => plan(APP, { urlAliases: [['/x', '/proc/self']], allowOutsidePaths }), /^--url-alias: '\/proc\/.*' is under \/proc, which is never copied/);
    usageError(() => plan(APP, { pythonPath: ['/sys/kernel'], allowOutsidePaths }), /^--python-path: '\/sys\/kernel' is under \/sys/);
    usageError(() => plan(APP, { urlAliases: [['/null', '/dev/null']], allowOutsidePaths }), /^--url-alias: '\/dev\/null' is under \/dev/);
  }
  usageError(() => plan('mod_wsgi.diagnostics.environ', { applicationType: 'module', appDir: '/' }), /^--app-dir: '\/' is the root directory/);
});

test('a copied path outside the app directory and the current directory needs --allow-outside-paths', () => {
  withProject((project) => {
    const APP = path.join(project, 'app', 'wsgi.py');
    const cases: [Record<string, unknown>, string][] = [
      [{ urlAliases: [['/static', path.join(project, 'static')]] }, '--url-alias'],
      [{ documentRoot: path.join(project, 'static') }, '--document-root'],
      [{ pythonPath: [path.join(project, 'other')] }, '--python-path'],
      [{ workingDirectory: path.join(project, 'other') }, '--working-directory'],
      [{ addHandlers: [['.tmpl', path.join(project, 'other', 'lib.py')]] }, '--add-handler'],
      [{ serviceScripts: [['svc', path.join(project, 'other', 'lib.py')]] }, '--service-script'],
      [{ includeFiles: [path.join(project, 'static', 'site.css')] }, '--include-file'],
      [{ rewriteRules: path.join(project, 'static', 'site.css') }, '--rewrite-rules'],
      [{ envvarsScript: path.join(project, 'other', 'lib.py') }, '--envvars-script'],
    ];
    for (const [raw, flag] of cases) {
      usageError(
        () => plan(APP, raw),
        new RegExp(
          `^${flag}: '.*' is outside the app directory \\(${project}/app\\) and the current directory \\(.*\\); move it there, or add --allow-outside-paths`,
        ),
      );
      assert.ok(plan(APP, { ...raw, allowOutsidePaths: true }).copies.length >= 2, flag);
    }
    usageError(() => plan(APP, { urlAliases: [['/etc', '/etc']] }), /^--url-alias: '\/etc' is outside the app directory/);
    // Inside the app directory or the current directory: no flag needed.
    assert.equal(plan(APP, { urlAliases: [['/p/', path.join(project, 'app', 'public')]] }).aliases[0].imagePath, '/srv/app/public/');
    assert.ok(plan(APP, { urlAliases: [['/s/', fixture('app', 'static')]] }).copies.some((copy) => copy.hostPath === fixture('app', 'static')));
    // A module app without --app-dir has only the current directory.
    usageError(
      () => plan('mod_wsgi.diagnostics.environ', { applicationType: 'module', pythonPath: [path.join(project, 'other')] }),
      /^--python-path: '.*other' is outside the current directory \(.*\); move it there, or add --allow-outside-paths/,
    );
  });
});

test('a --document-root or alias directory that is or contains the app directory needs --allow-app-in-document-root', () => {
  withProject((project) => {
    const APP = path.join(project, 'app', 'wsgi.py');
    usageError(
      () => plan(APP, { documentRoot: path.join(project, 'app') }),
      /^--document-root: '.*\/app' is or contains the app directory \(.*\/app\), so Apache would serve the application's source and files; give a directory of static files only, or add --allow-app-in-document-root$/,
    );
    usageError(() => plan(APP, { documentRoot: project, allowOutsidePaths: true }), /^--document-root: '.*' is or contains the app directory/);
    usageError(() => plan(APP, { urlAliases: [['/src/', `${path.join(project, 'app')}/`]] }), /^--url-alias: '.*\/app' is or contains the app directory/);
    assert.is(plan(APP, { documentRoot: path.join(project, 'app'), allowAppInDocumentRoot: true }).documentRoot, '/srv/app');
    assert.is(plan(APP, { documentRoot: path.join(project, 'app', 'public') }).documentRoot, '/srv/app/public');
    // A static site is its own document root.
    assert.is(plan(path.join(project, 'static'), { applicationType: 'static' }).documentRoot, '/srv/app');
  });
});

test('a named path that is a link is resolved: a linked alias directory is copied as the directory', () => {
  withProject((project) => {
    const APP = path.join(project, 'app', 'wsgi.py');
    symlinkSync(path.join(project, 'static'), path.join(project, 'assets'));
    const linked = plan(APP, { urlAliases: [['/assets/', path.join(project, 'assets')]], allowOutsidePaths: true });
    assert.equal(linked.aliases, [{ url: '/assets/', imagePath: '/srv/static/0/', isDirectory: true }]);
    assert.ok(linked.copies.some((copy) => copy.hostPath === path.join(project, 'static') && copy.imagePath === '/srv/static/0'));
    // A link into the app directory is a part of the app: no copy of its own, no flag needed.
    symlinkSync(path.join(project, 'app', 'public'), path.join(project, 'public-link'));
    const intoApp = plan(APP, { urlAliases: [['/p/', path.join(project, 'public-link')]] });
    assert.equal(intoApp.aliases[0].imagePath, '/srv/app/public/');
    assert.is(intoApp.copies.length, 1);
    // A link inside the copied app tree that leaves it: refused, naming the link and the option.
    symlinkSync(path.join(project, 'static'), path.join(project, 'app', 'assets'));
    usageError(() => plan(APP), /^APP: '.*\/app\/assets' is a symbolic link to '.*\/static', outside '.*\/app', which the image cannot follow/);
    writeFileSync(path.join(project, 'app', '.dockerignore'), 'assets\n');
    assert.is(plan(APP).copies.length, 1);
    // The app directory itself reached through a link.
    rmSync(path.join(project, 'app', 'assets'));
    rmSync(path.join(project, 'app', '.dockerignore'));
    symlinkSync(path.join(project, 'app'), path.join(project, 'app-link'));
    const throughLink = plan(path.join(project, 'app-link', 'wsgi.py'));
    assert.is(throughLink.copies[0].hostPath, path.join(project, 'app'));
    assert.is(throughLink.entryPoint, '/srv/app/wsgi.py');
  });
});

test('likely secrets in a copied tree are listed for one warning line', () => {
  withProject((project) => {
    const built = plan(path.join(project, 'app', 'wsgi.py'));
    assert.equal(built.leftOut, [path.join(project, 'app', '.env')]);
    assert.is(
      leftOutWarning(built),
      `Warning: left out of the image as likely secrets: ${path.join(project, 'app', '.env')}; a !NAME line in that directory's .dockerignore brings one back`,
    );
    writeFileSync(path.join(project, 'app', '.dockerignore'), '!.env\n');
    assert.equal(plan(path.join(project, 'app', 'wsgi.py')).leftOut, []);
    assert.is(leftOutWarning(plan(example('hello', 'wsgi.py'))), undefined);
  });
});

test('$ in a value is refused where Apache, Docker or a shell would expand it; %{...} is not', () => {
  const APP = example('hello', 'wsgi.py');
  const cases: [Record<string, unknown>, string][] = [
    [{ setenv: [['KEY', 'a${HOME}']] }, '--setenv'],
    [{ mountPoint: '/${X}' }, '--mount-point'],
    [{ logDirectory: '/var/log/${IFS}x' }, '--log-directory'],
    [{ urlAliases: [['/s$x', fixture('app', 'static')]] }, '--url-alias'],
    [{ accessLogFormat: '%h ${X}' }, '--access-log-format'],
    [{ errorLogFormat: '$x' }, '--error-log-format'],
    [{ pythonWarnings: ['error:${X}'] }, '--python-warnings'],
    [{ pidFile: '/tmp/$$.pid' }, '--pid-file'],
    [{ socketPrefix: '/tmp/${MWE_RUNTIME_DIR}' }, '--socket-prefix'],
    [{ telemetryService: 'unix:${MWE_RUNTIME_DIR}/t.sock' }, '--telemetry-service'],
  ];
  for (const [raw, flag] of cases) {
    usageError(() => resolveBuildOptions(raw), new RegExp(`^${flag}: '.*' contains \\$, which Apache and Docker would expand as a variable`));
  }
  assert.is(resolveBuildOptions({ applicationGroup: '%{ENV:GROUP}' }).applicationGroup, '%{ENV:GROUP}');
  assert.is(resolveBuildOptions({ accessLogFormat: '%h %{X-Forwarded-For}i' }).accessLogFormat, '%h %{X-Forwarded-For}i');
  void APP;
});

test('the Dockerfile passes ENV and LABEL values as typed: $, " and \\ escaped', () => {
  const built = plan(example('hello', 'wsgi.py'));
  // Past validation only through a bug; the rendering must not expand it anyway.
  built.options.mountPoint = '/a$HOME"\\b';
  const dockerfile = renderDockerfile(built, TRIXIE_FACTS, { 'org.opencontainers.image.title': 'x${PATH}' });
  assert.match(dockerfile, /MWE_HEALTHCHECK_PATH="\/a\\\$HOME\\"\\\\b"/);
  assert.match(dockerfile, /org\.opencontainers\.image\.title="x\\\$\{PATH\}"/);
});

test('.ht* files are denied wherever the configuration serves files, also to loopback clients of --allow-localhost', () => {
  const text = renderHttpdConf(
    plan(fixture('site', 'wsgi.py'), {
      documentRoot: fixture('site', 'public'),
      urlAliases: [['/static/', fixture('app', 'static')]],
      serverName: 'example.com',
      allowLocalhost: true,
    }),
    TRIXIE_FACTS,
    'x',
  );
  assert.match(text, /\n<FilesMatch "\^\\\.ht">\n    Require all denied\n<\/FilesMatch>\n/);
  // Server-wide, before every <Directory> that grants (the document root, the aliases): Files sections merge after them.
  assert.ok(text.indexOf('<FilesMatch "^\\.ht">') < text.indexOf("<Directory '/srv/app/public'>"));
  assert.match(text, /<Location \/>\n    # .*\n    AuthMerging And\n    Require local\n<\/Location>/);
});

test.run();
