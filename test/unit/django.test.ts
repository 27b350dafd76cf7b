/** Django project detection on the host, its plan and what it renders (no Docker). */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { describeDjangoProject, djangoProjectRoot, readDjangoProject } from '../../src/django.js';
import { resolveBuildOptions } from '../../src/options.js';
import { indexConfig } from '../../src/package-index.js';
import { planBuild } from '../../src/plan.js';
import { renderDockerfile, renderHandlerScript, renderHttpdConf } from '../../src/render.js';
import { TRIXIE_FACTS } from '../helpers/facts.js';
import { CLI, example } from '../helpers/paths.js';
import { usageError } from '../helpers/usage.js';

const django = suite('Django projects');
const EXAMPLE = example('django');
/** PyPI without this machine's PIP_* variables or pip configuration. */
const PYPI = indexConfig({}, {}, () => ({}));
const temporary: string[] = [];

/** A project directory with the given files (path -> content). */
function project(files: Record<string, string>): string {
  const root = mkdtempSync(path.join(tmpdir(), 'mwe-django-unit-'));
  temporary.push(root);
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(root, name)), { recursive: true });
    writeFileSync(path.join(root, name), content);
  }
  return root;
}

const MANAGE = "import os\nos.environ.setdefault('DJANGO_SETTINGS_MODULE', 'shop.settings.production')\n";

django.after(() => {
  for (const root of temporary) rmSync(root, { recursive: true, force: true });
});

django('the example: settings from manage.py, WSGI module and callable from WSGI_APPLICATION', () => {
  assert.is(djangoProjectRoot(EXAMPLE), EXAMPLE);
  assert.is(djangoProjectRoot(path.join(EXAMPLE, 'manage.py')), EXAMPLE);
  assert.is(djangoProjectRoot(example('hello')), undefined);
  assert.is(djangoProjectRoot(example('hello', 'wsgi.py')), undefined);
  assert.equal(readDjangoProject(EXAMPLE), { root: EXAMPLE, settingsModule: 'mysite.settings', wsgiModule: 'mysite.wsgi', callableObject: 'application' });
});

django('a settings package without WSGI_APPLICATION falls back to the wsgi module beside it, then the top package', () => {
  const nested = project({ 'manage.py': MANAGE, 'shop/settings/production.py': 'DEBUG = False\n', 'shop/settings/wsgi.py': '' });
  assert.is(readDjangoProject(nested).wsgiModule, 'shop.settings.wsgi');
  const top = project({ 'manage.py': MANAGE, 'shop/settings/production.py': 'DEBUG = False\n', 'shop/wsgi.py': '' });
  assert.is(readDjangoProject(top).wsgiModule, 'shop.wsgi');
  const named = project({ 'manage.py': MANAGE, 'shop/settings/production.py': "WSGI_APPLICATION = 'shop.asgi_wsgi.app'\n", 'shop/asgi_wsgi.py': '' });
  assert.equal(readDjangoProject(named), { root: named, settingsModule: 'shop.settings.production', wsgiModule: 'shop.asgi_wsgi', callableObject: 'app' });
});

django('an unreadable project is one usage line naming what to fix', () => {
  usageError(() => readDjangoProject(project({ 'manage.py': 'import sys\n' })), /does not set DJANGO_SETTINGS_MODULE/);
  usageError(
    () => readDjangoProject(project({ 'manage.py': MANAGE })),
    /names settings shop\.settings\.production, but .* has no shop\/settings\/production\.py/,
  );
  usageError(() => readDjangoProject(project({ 'manage.py': MANAGE, 'shop/settings/production.py': '' })), /no WSGI_APPLICATION .* set WSGI_APPLICATION/);
  usageError(
    () => readDjangoProject(project({ 'manage.py': MANAGE, 'shop/settings/production.py': "WSGI_APPLICATION = 'shop.wsgi.application'\n" })),
    /WSGI_APPLICATION names module shop\.wsgi, which is not under/,
  );
  usageError(
    () => readDjangoProject(project({ 'manage.py': MANAGE, 'shop/settings/production.py': "WSGI_APPLICATION = 'application'\n" })),
    /is not MODULE\.CALLABLE/,
  );
});

django(
  "the plan: project root as /srv/app, the WSGI module as a module entry point; Django from requirements.txt, run by the venv on Debian's python3-minimal",
  () => {
    const plan = planBuild(EXAMPLE, resolveBuildOptions({}), PYPI);
    assert.is(plan.applicationType, 'module');
    assert.is(plan.entryPoint, 'mysite.wsgi');
    assert.is(plan.workingDirectory, '/srv/app');
    assert.equal(plan.copies, [{ hostPath: EXAMPLE, imagePath: '/srv/app' }]);
    assert.is(plan.tag, 'mwe-app/django:latest');
    assert.is(plan.dependencies?.file, path.join(EXAMPLE, 'requirements.txt'));
    assert.equal(plan.options.systemPackages, ['python3-minimal']);
    assert.is(plan.django?.addedPackage, false);
    assert.is(plan.django?.dependencyFile, path.join(EXAMPLE, 'requirements.txt'));
    assert.match(
      describeDjangoProject(plan.django!, false),
      /; Django from requirements\.txt, run by \/opt\/venv\/bin\/python \(Debian's python3-minimal added to --system-packages\)$/,
    );
    // An interpreter named in --system-packages, or a built Python (its interpreter is in the image), adds nothing.
    assert.equal(planBuild(EXAMPLE, resolveBuildOptions({ systemPackages: ['python3'] }), PYPI).options.systemPackages, ['python3']);
    const freeThreaded = planBuild(EXAMPLE, resolveBuildOptions({ python: '3.13t' }), PYPI);
    assert.equal(freeThreaded.options.systemPackages, []);
    assert.is(freeThreaded.django?.interpreterPackage, undefined);
    const callable = project({ 'manage.py': MANAGE, 'shop/settings/production.py': "WSGI_APPLICATION = 'shop.wsgi.app'\n", 'shop/wsgi.py': '' });
    assert.is(planBuild(callable, resolveBuildOptions({})).options.callableObject, 'app');
  },
);

django("a project that lists no dependencies (or --ignore-requirements) gets Debian's python3-django, added once", () => {
  const plan = planBuild(EXAMPLE, resolveBuildOptions({ ignoreRequirements: true }));
  assert.is(plan.dependencies, undefined);
  assert.equal(plan.options.systemPackages, ['python3-django']);
  assert.ok(plan.django?.addedPackage);
  assert.match(describeDjangoProject(plan.django!, true), /; Django from Debian's python3-django \(added to --system-packages\)$/);
  const given = planBuild(EXAMPLE, resolveBuildOptions({ django: true, ignoreRequirements: true, systemPackages: ['python3-psycopg2', 'python3-django'] }));
  assert.equal(given.options.systemPackages, ['python3-psycopg2', 'python3-django']);
  assert.is(given.django?.addedPackage, false);
  const bare = project({ 'manage.py': MANAGE, 'shop/settings/production.py': "WSGI_APPLICATION = 'shop.wsgi.application'\n", 'shop/wsgi.py': '' });
  assert.equal(planBuild(bare, resolveBuildOptions({})).options.systemPackages, ['python3-django']);
  usageError(
    () => planBuild(bare, resolveBuildOptions({ python: '3.13t' })),
    /^APP: a Django project without dependencies runs on Debian's python3-django, which needs the distribution's Python; list Django in a requirements\.txt/,
  );
});

django('--django without a project, and combinations that cannot work, are usage errors', () => {
  usageError(
    () => planBuild(example('hello'), resolveBuildOptions({ django: true })),
    /--django: '.*hello' has no manage\.py; give the Django project directory/,
  );
  usageError(() => planBuild(example('hello', 'wsgi.py'), resolveBuildOptions({ django: true })), /--django: .* has no manage\.py/);
  usageError(() => resolveBuildOptions({ django: true, applicationType: 'module' }), /--django: APP is a project directory, not a module name/);
  usageError(() => planBuild(EXAMPLE, resolveBuildOptions({ appDir: example('hello') })), /--app-dir: a Django project directory is itself the app directory/);
  usageError(
    () => planBuild(EXAMPLE, resolveBuildOptions({ python: '3.13t', ignoreRequirements: true })),
    /python3-django, which needs the distribution's Python/,
  );
  // Without --django a directory is not a script: the old message stands.
  usageError(() => planBuild(example('hello'), resolveBuildOptions({})), /APP: '.*hello' is not a file/);
});

django('rendered: a shell-free build step, the include after --url-alias, and MWE_RELOAD_ON_CHANGES in the handler', () => {
  const plan = planBuild(
    EXAMPLE,
    resolveBuildOptions({ urlAliases: [['/favicon.ico', path.join(EXAMPLE, 'pages', 'static', 'pages', 'site.css')]], mountPoint: '/site/' }),
    PYPI,
  );
  const dockerfile = renderDockerfile(plan, TRIXIE_FACTS);
  assert.match(dockerfile, /apt-get install -y --no-install-recommends python3-minimal/);
  assert.ok(
    dockerfile.includes(
      'RUN ["/opt/venv/bin/python","-m","mod_wsgi.express.prepare","--settings","mysite.settings","--mount-point","/site/","--output","/etc/mwe-image/django.conf"]',
    ),
    dockerfile,
  );
  const debian = renderDockerfile(planBuild(EXAMPLE, resolveBuildOptions({ ignoreRequirements: true })), TRIXIE_FACTS);
  assert.match(debian, /apt-get install -y --no-install-recommends python3-django/);
  assert.ok(
    debian.includes(
      'RUN ["python3","-m","mod_wsgi.express.prepare","--settings","mysite.settings","--mount-point","/","--output","/etc/mwe-image/django.conf"]',
    ),
    debian,
  );
  assert.ok(dockerfile.indexOf('mod_wsgi.express.prepare') < dockerfile.indexOf('USER 10001:0'), 'the build step runs as root');
  const conf = renderHttpdConf(plan, TRIXIE_FACTS, 'mwe-image build');
  assert.ok(conf.indexOf("Alias '/favicon.ico'") < conf.indexOf("Include '/etc/mwe-image/django.conf'"), conf);
  assert.match(conf, /WSGICallableObject 'application'/);
  assert.match(renderHandlerScript(plan), /reload_on_changes = os\.environ\.get\("MWE_RELOAD_ON_CHANGES", "0"\) == '1'/);
  const reloading = planBuild(EXAMPLE, resolveBuildOptions({ reloadOnChanges: true }), PYPI);
  assert.match(renderHandlerScript(reloading), /os\.environ\.get\("MWE_RELOAD_ON_CHANGES", "1"\)/);
  const hello = planBuild(example('hello', 'wsgi.py'), resolveBuildOptions({}));
  assert.not.match(renderDockerfile(hello, TRIXIE_FACTS), /mod_wsgi\.express|python3-django/);
  assert.not.match(renderHttpdConf(hello, TRIXIE_FACTS, 'mwe-image build'), /django/);
});

django('the CLI: `build --django` on a non-project is one line and exit code 2', () => {
  const result = spawnSync(process.execPath, [CLI, 'build', '--django', example('hello')], { encoding: 'utf8' });
  assert.is(result.status, 2, result.stderr);
  assert.is(result.stderr.trim().split('\n').length, 1, result.stderr);
  assert.match(result.stderr, /^mwe-image: --django: '.*hello' has no manage\.py/);
});

django.run();
