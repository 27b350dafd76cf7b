import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { UsageError } from '../../src/errors.js';
import { resolveBuildOptions } from '../../src/options.js';
import { planBuild } from '../../src/plan.js';
import { example, fixture } from '../helpers/paths.js';

test('a script app is copied whole to /srv/app', () => {
  const plan = planBuild(example('hello', 'wsgi.py'), resolveBuildOptions({}));
  assert.is(plan.entryPoint, '/srv/app/wsgi.py');
  assert.equal(plan.copies, [{ hostPath: example('hello'), imagePath: '/srv/app' }]);
  assert.is(plan.tag, 'mwe-app/hello:latest');
  assert.is(plan.documentRoot, '/srv/htdocs');
});

test('a module app copies nothing unless --app-dir is given', () => {
  const plan = planBuild('mod_wsgi.diagnostics.environ', resolveBuildOptions({ applicationType: 'module' }));
  assert.is(plan.entryPoint, 'mod_wsgi.diagnostics.environ');
  assert.equal(plan.copies, []);
  assert.is(plan.tag, 'mwe-app/mod-wsgi-diagnostics-environ:latest');
  assert.throws(
    () => planBuild('not a module', resolveBuildOptions({ applicationType: 'module' })),
    (e: Error) => e instanceof UsageError,
  );
});

test('a static app is the document root', () => {
  const plan = planBuild(fixture('app', 'static'), resolveBuildOptions({ applicationType: 'static' }));
  assert.is(plan.documentRoot, '/srv/app');
});

test('alias targets inside the app reuse its copy; others get their own place', () => {
  const plan = planBuild(
    fixture('app', 'wsgi.py'),
    resolveBuildOptions({
      urlAliases: [
        ['/static/', fixture('app', 'static')],
        ['/hello.css', example('hello', 'static', 'site.css')],
      ],
    }),
  );
  assert.equal(plan.aliases, [
    { url: '/hello.css', imagePath: '/srv/static/1/site.css', isDirectory: false },
    { url: '/static/', imagePath: '/srv/app/static/', isDirectory: true },
  ]);
  assert.ok(plan.copies.some((copy) => copy.imagePath === '/srv/static/1/site.css'));
});

test('trailing slashes are paired and aliases sorted longest first', () => {
  const plan = planBuild(
    fixture('app', 'wsgi.py'),
    resolveBuildOptions({
      urlAliases: [
        ['/s/', fixture('app', 'static')],
        ['/static-files', fixture('app', 'static') + '/'],
      ],
    }),
  );
  assert.equal(
    plan.aliases.map((alias) => [alias.url, alias.imagePath]),
    [
      ['/static-files', '/srv/app/static'],
      ['/s/', '/srv/app/static/'],
    ],
  );
});

test('a file alias cannot end with a slash', () => {
  assert.throws(
    () =>
      planBuild(
        fixture('app', 'wsgi.py'),
        resolveBuildOptions({
          urlAliases: [['/marker/', fixture('app', 'static', 'marker.txt')]],
        }),
      ),
    /--url-alias: '\/marker\/' ends with \//,
  );
});

test('the script must be a file inside --app-dir', () => {
  assert.throws(() => planBuild(example('hello'), resolveBuildOptions({})), /APP: .* is not a file/);
  assert.throws(() => planBuild(example('hello', 'wsgi.py'), resolveBuildOptions({ appDir: fixture('app') })), /is not inside --app-dir/);
});

test.run();
