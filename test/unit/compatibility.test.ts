import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { checkAgainstToolchain } from '../../src/compatibility.js';
import { UsageError } from '../../src/errors.js';
import { resolveBuildOptions } from '../../src/options.js';
import { planBuild } from '../../src/plan.js';
import { renderDockerfile, renderHttpdConf } from '../../src/render.js';
import { TRIXIE_FACTS } from '../helpers/facts.js';
import { fixture } from '../helpers/paths.js';

const refused = (raw: Record<string, unknown>, facts: typeof TRIXIE_FACTS, pattern: RegExp): void => {
  try {
    checkAgainstToolchain(resolveBuildOptions(raw), facts);
  } catch (error) {
    assert.instance(error, UsageError);
    assert.match((error as Error).message, pattern);
    return;
  }
  assert.unreachable('expected a refusal');
};

const FREE_THREADED = { ...TRIXIE_FACTS, pythonFreeThreaded: true, directives: [...TRIXIE_FACTS.directives, 'WSGIFreeThreading'] };
// The optional directives mod_wsgi 6.1.1's module registers (names from its docs).
const TELEMETRY = {
  ...TRIXIE_FACTS,
  modWsgiVersion: '6.1.1',
  directives: [...TRIXIE_FACTS.directives, 'WSGITelemetryService', 'WSGITelemetryOptions', 'WSGISlowRequests'],
};

test('--free-threading needs a free-threaded Python and a module with WSGIFreeThreading', () => {
  refused({ freeThreading: true }, TRIXIE_FACTS, /^--free-threading: Python 3.13 in this toolchain is not a free-threaded build/);
  checkAgainstToolchain(resolveBuildOptions({ freeThreading: true }), FREE_THREADED);
  const plan = planBuild(fixture('site', 'wsgi.py'), resolveBuildOptions({ freeThreading: true }));
  assert.match(renderHttpdConf(plan, FREE_THREADED, 'x'), /^WSGIFreeThreading On$/m);
  assert.not.match(renderDockerfile(plan, FREE_THREADED), /PYTHON_GIL/);
  // mod_wsgi 5.0.2 on a free-threaded Python: no directive, PYTHON_GIL=0 in the image instead.
  const withoutDirective = { ...TRIXIE_FACTS, pythonFreeThreaded: true };
  checkAgainstToolchain(resolveBuildOptions({ freeThreading: true }), withoutDirective);
  assert.not.match(renderHttpdConf(plan, withoutDirective, 'x'), /WSGIFreeThreading/);
  assert.match(renderDockerfile(plan, withoutDirective), /PYTHON_GIL="0"/);
});

test('telemetry options need the directives they render, written as mod_wsgi-express 6 writes them', () => {
  refused(
    { telemetryService: 'unix:/run/t.sock' },
    TRIXIE_FACTS,
    /^--telemetry-service: mod_wsgi 5\.0\.2 has no WSGITelemetryService directive \(telemetry came with mod_wsgi 6\)/,
  );
  refused({ enableTelemetry: true }, TRIXIE_FACTS, /^--enable-telemetry: mod_wsgi 5\.0\.2 has no WSGITelemetryService directive/);
  refused(
    { telemetryService: 'unix:/run/t.sock', slowRequests: '2' },
    { ...TELEMETRY, directives: ['WSGITelemetryService'] },
    /^--slow-requests: mod_wsgi 6\.1\.1 has no WSGISlowRequests directive/,
  );
  checkAgainstToolchain(resolveBuildOptions({ enableTelemetry: true, slowRequests: '0' }), TELEMETRY);
  const options = resolveBuildOptions({
    telemetryService: 'unix:/run/t.sock',
    telemetryOptions: ['+CaptureUserAgent'],
    telemetryInterval: '0.5',
    slowRequests: '2',
  });
  checkAgainstToolchain(options, TELEMETRY);
  const text = renderHttpdConf(planBuild(fixture('site', 'wsgi.py'), options), TELEMETRY, 'x');
  assert.match(text, /^WSGITelemetryService unix:\/run\/t.sock interval=0\.5$/m);
  assert.match(text, /^WSGISlowRequests 2\.0$/m);
  assert.match(text, /^WSGITelemetryOptions \+CaptureUserAgent$/m);
  const bundled = renderHttpdConf(planBuild(fixture('site', 'wsgi.py'), resolveBuildOptions({ enableTelemetry: true })), TELEMETRY, 'x');
  assert.match(bundled, /^WSGITelemetryService unix:\$\{MWE_RUNTIME_DIR\}\/telemetry\.sock interval=1\.0$/m);
  assert.match(bundled, /^WSGIImportScript '\/etc\/mwe-image\/telemetry-service\.py' \\$/m);
  assert.not.match(bundled, /WSGISlowRequests/);
});

test('--python is checked against the Python the toolchain built', () => {
  refused({ python: '3.13t' }, TRIXIE_FACTS, /^--python 3.13t: debian:trixie-slim has Python 3.13;/);
  refused({ python: '3.13' }, { ...TRIXIE_FACTS, pythonFreeThreaded: true }, /has Python 3.13t/);
  checkAgainstToolchain(resolveBuildOptions({ python: '3.13t' }), { ...TRIXIE_FACTS, pythonFreeThreaded: true });
});

test('--python-warnings needs WSGIPythonWarnings', () => {
  refused({ pythonWarnings: ['error'] }, { ...TRIXIE_FACTS, modWsgiVersion: '4.9.4', directives: [] }, /mod_wsgi 4.9.4 has no WSGIPythonWarnings directive/);
  checkAgainstToolchain(resolveBuildOptions({ pythonWarnings: ['error'] }), TRIXIE_FACTS);
});

test.run();
