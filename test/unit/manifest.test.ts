/**
 * `mwe-image manifest` without an engine: the YAML writer's quoting, the
 * facts read from an image's inspect data, the manifests made from them,
 * deploy/kubernetes.yaml up to date with the option table's defaults, and the
 * command line's usage errors (one line, exit 2, before the engine is asked).
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { RuntimeFailure } from '../../src/errors.js';
import {
  STOP_MARGIN,
  checkName,
  checkReplicas,
  composeManifest,
  gracePeriod,
  imageFacts,
  kubernetesManifest,
  nameFromTitle,
  type ImageFacts,
} from '../../src/manifest.js';
import { OPTION_SPECS } from '../../src/options.js';
import { yamlDocument, yamlScalar } from '../../src/yaml.js';
import { CLI, ROOT } from '../helpers/paths.js';
import { usageError } from '../helpers/usage.js';

const defaultOf = (key: string): unknown => OPTION_SPECS.find((spec) => spec.key === key)!.default;

/** What `mwe-image build examples/hello/wsgi.py` makes, from the option table's defaults. */
const HELLO: ImageFacts = {
  reference: 'mwe-app/hello:latest',
  title: 'hello',
  port: defaultOf('port') as number,
  stopTimeout: defaultOf('stopTimeout') as number,
  stopDelay: defaultOf('stopDelay') as number,
  uid: 10001,
  gid: 0,
};

test('YAML scalars: plain when unambiguous, JSON-quoted otherwise', () => {
  for (const plain of ['apps/v1', 'mwe-app/hello:latest', '/usr/local/bin/mwe-healthcheck', 'no-new-privileges:true', 'RuntimeDefault', '/.mwe/ready', 'ALL']) {
    assert.is(yamlScalar(plain), plain);
  }
  for (const [value, written] of [
    ['1', '"1"'],
    ['250m', '"250m"'],
    ['127.0.0.1:8000:8000', '"127.0.0.1:8000:8000"'],
    ['yes', '"yes"'],
    ['Off', '"Off"'],
    ['null', '"null"'],
    ['~', '"~"'],
    ['a b', '"a b"'],
    ['x: y', '"x: y"'],
    ['#x', '"#x"'],
    ['', '""'],
    ['trailing:', '"trailing:"'],
    ['-x', '"-x"'],
    ['*x', '"*x"'],
    ['say "hi"\n', '"say \\"hi\\"\\n"'],
    ['1:30', '"1:30"'],
  ]) {
    assert.is(yamlScalar(value), written, value);
  }
  assert.is(yamlScalar(8000), '8000');
  assert.is(yamlScalar(false), 'false');
});

test('YAML documents: nested mappings and sequences, empty collections', () => {
  assert.fixture(
    yamlDocument({ a: { b: [1, 'x'], c: [{ d: 1, e: [] }, {}] }, f: {} }),
    ['a:', '  b:', '    - 1', '    - x', '  c:', '    - d: 1', '      e: []', '    - {}', 'f: {}', ''].join('\n'),
  );
});

test('an image built with --cpu-affinity gets a Guaranteed pod of whole CPUs, one a process, and the reason in a comment', () => {
  const inspect = (env: string[]) => imageFacts('mwe-app/bound:1', { Labels: { 'io.mwe-image.port': '8000' }, Env: env });
  assert.is(inspect(['MWE_CPU_AFFINITY=0', 'MWE_PROCESSES=3']).boundCpus, undefined);
  assert.is(inspect(['MWE_CPU_AFFINITY=1', 'MWE_PROCESSES=']).boundCpus, 1);
  assert.is(inspect(['MWE_CPU_AFFINITY=1', 'MWE_PROCESSES=auto']).boundCpus, 1);
  const facts = { ...inspect(['MWE_CPU_AFFINITY=1', 'MWE_PROCESSES=3']), volumes: ['/srv/root'] };
  assert.is(facts.boundCpus, 3);
  const yaml = kubernetesManifest(facts, { format: 'kubernetes', name: 'bound', replicas: 2 }, ['mwe-app/bound:1']);
  const guaranteed = ['resources:', '  requests:', '    cpu: "3"', '    memory: "512Mi"', '  limits:', '    cpu: "3"', '    memory: "512Mi"']
    .map((line) => `          ${line}`)
    .join('\n');
  assert.is(yaml.split(guaranteed).length - 1, 2, `the app container and the init container:\n${yaml}`);
  assert.match(yaml, /^# MWE_CPU_AFFINITY=1: the image binds each process to a CPU, so the pod asks for 3 whole CPUs/m);
  assert.not.match(kubernetesManifest(HELLO, { format: 'kubernetes', name: 'hello', replicas: 2 }, []), /MWE_CPU_AFFINITY/);
  const compose = composeManifest(facts, { format: 'compose', name: 'bound', replicas: 1 }, ['--compose']);
  assert.match(compose, /^# \(cpuset: "0-2", no other service on them\), or set MWE_CPU_AFFINITY=0 in its environment\.$/m);
});

test('facts come from the labels and ENV; images not built by mwe-image are refused', () => {
  const facts = imageFacts('mwe-app/x:1', {
    Labels: { 'io.mwe-image.port': '9000', 'org.opencontainers.image.title': 'x' },
    Env: ['PORT=9000', 'MWE_STOP_TIMEOUT=20', 'MWE_STOP_DELAY=3', 'EMPTY='],
    User: '10001:0',
  });
  assert.equal(facts, { reference: 'mwe-app/x:1', title: 'x', port: 9000, stopTimeout: 20, stopDelay: 3, uid: 10001, gid: 0 });
  assert.is(gracePeriod(facts), 20 + 3 + STOP_MARGIN);
  // An older image without MWE_STOP_DELAY gets the defaults.
  assert.is(imageFacts('i', { Labels: { 'io.mwe-image.port': '8000' }, Env: [] }).stopDelay, 0);
  assert.throws(
    () => imageFacts('debian:trixie-slim', { Labels: {}, Env: [] }),
    (error: Error) => error instanceof RuntimeFailure && /not built by mwe-image build/.test(error.message),
  );
  assert.throws(() => imageFacts('t', { Labels: { 'io.mwe-image.kind': 'toolchain' } }), /toolchain, not an app image/);
  assert.throws(() => imageFacts('i', { Labels: { 'io.mwe-image.port': '8000' }, Env: ['MWE_STOP_TIMEOUT=soon'] }), /MWE_STOP_TIMEOUT is 'soon'/);
});

test('an image with --https-port: the HTTPS port in the facts, both manifests publish it', () => {
  const facts = imageFacts('mwe-app/x:1', { Labels: { 'io.mwe-image.port': '8000', 'io.mwe-image.https-port': '8443' }, Env: [] });
  assert.is(facts.httpsPort, 8443);
  const kubernetes = kubernetesManifest(facts, { format: 'kubernetes', name: 'x', replicas: 1 }, ['mwe-app/x:1']);
  assert.match(kubernetes, /- name: https\n\s+containerPort: 8443\n/);
  assert.match(kubernetes, /- name: https\n\s+port: 443\n\s+targetPort: https\n/);
  assert.match(composeManifest(facts, { format: 'compose', name: 'x', replicas: 1 }, ['mwe-app/x:1']), /- "?127\.0\.0\.1:8443:8443"?\n/);
  assert.throws(
    () => imageFacts('i', { Labels: { 'io.mwe-image.port': '8000', 'io.mwe-image.https-port': '0' }, Env: [] }),
    /https-port label 0 is not a port/,
  );
});

test('an image with a VOLUME (--server-root): an emptyDir there, filled from the image by an init container; a compose volume', () => {
  const config = { Labels: { 'io.mwe-image.port': '8000' }, Env: [], User: '10001:0', Volumes: { '/srv/mwe-root': {} } };
  const facts = imageFacts('mwe-app/x:1', config);
  assert.equal(facts.volumes, ['/srv/mwe-root']);
  assert.is(imageFacts('i', { ...config, Volumes: null }).volumes, undefined);
  const kubernetes = kubernetesManifest(facts, { format: 'kubernetes', name: 'x', replicas: 1 }, ['mwe-app/x:1']);
  assert.match(kubernetes, /volumeMounts:\n\s+- name: tmp\n\s+mountPath: \/tmp\n\s+- name: image-volume-1\n\s+mountPath: \/srv\/mwe-root\n/);
  assert.match(kubernetes, /volumes:\n\s+- name: tmp\n\s+emptyDir:\n\s+sizeLimit: "64Mi"\n\s+- name: image-volume-1\n\s+emptyDir:\n/);
  const init = /initContainers:\n([\s\S]*?)\n {6}containers:/.exec(kubernetes)?.[1] ?? '';
  assert.match(init, /- name: seed-image-volume-1\n\s+image: mwe-app\/x:1\n/);
  assert.match(init, /command:\n\s+- cp\n\s+- "-R"\n\s+- \/srv\/mwe-root\/\.\n\s+- \/mnt\/image-volume\/\n/);
  assert.match(init, /readOnlyRootFilesystem: true\n[\s\S]*volumeMounts:\n\s+- name: image-volume-1\n\s+mountPath: \/mnt\/image-volume$/);
  assert.not.match(kubernetesManifest(HELLO, { format: 'kubernetes', name: 'x', replicas: 1 }, []), /initContainers|image-volume/);
  const compose = composeManifest(facts, { format: 'compose', name: 'x', replicas: 1 }, ['mwe-app/x:1']);
  assert.match(compose, /read_only: true\n\s+tmpfs:\n\s+- \/tmp\n\s+volumes:\n\s+- \/srv\/mwe-root\n/);
  assert.match(compose, /^# \/srv\/mwe-root: filled from the image once; .*--renew-anon-volumes/m);
  assert.not.match(composeManifest(HELLO, { format: 'compose', name: 'x', replicas: 1 }, []), /volumes:|renew/);
});

test('names: from the title, checked as DNS labels', () => {
  assert.is(nameFromTitle('hello'), 'hello');
  assert.is(nameFromTitle('My_App.v2'), 'my-app-v2');
  assert.is(nameFromTitle('2fast'), 'fast');
  assert.is(nameFromTitle('___'), 'app');
  assert.is(checkName('web-1'), 'web-1');
  usageError(() => checkName('Web'), /--name: 'Web' is not a name/);
  usageError(() => checkName('1web'), /--name/);
  usageError(() => checkName('a'.repeat(64)), /--name/);
  assert.is(checkReplicas('0'), 0);
  usageError(() => checkReplicas('two'), /--replicas: 'two' is not a whole number/);
  usageError(() => checkReplicas('-1'), /--replicas/);
});

test('the Kubernetes manifest: probes, grace period, restricted security context, resources', () => {
  const facts: ImageFacts = { ...HELLO, port: 9000, stopTimeout: 20, stopDelay: 3 };
  const text = kubernetesManifest(facts, { format: 'kubernetes', name: 'web', replicas: 3 }, ['mwe-app/hello:latest', '--kubernetes']);
  assert.match(text, /^# mwe-image manifest mwe-app\/hello:latest --kubernetes\n/);
  for (const expected of [
    /^kind: Deployment$/m,
    /^kind: Service$/m,
    /^---$/m,
    /^  replicas: 3$/m,
    /terminationGracePeriodSeconds: 28$/m,
    /containerPort: 9000$/m,
    /readinessProbe:\n\s+httpGet:\n\s+path: \/\.mwe\/ready\n\s+port: http$/m,
    /livenessProbe:\n\s+exec:\n\s+command:\n\s+- \/usr\/local\/bin\/mwe-healthcheck$/m,
    /startupProbe:\n\s+exec:/m,
    /runAsNonRoot: true$/m,
    /runAsUser: 10001$/m,
    /runAsGroup: 0$/m,
    /seccompProfile:\n\s+type: RuntimeDefault$/m,
    /allowPrivilegeEscalation: false$/m,
    /readOnlyRootFilesystem: true$/m,
    /capabilities:\n\s+drop:\n\s+- ALL$/m,
    /mountPath: \/tmp$/m,
    /emptyDir:/m,
    /requests:\n\s+cpu: "250m"\n\s+memory: "256Mi"$/m,
    /image: mwe-app\/hello:latest$/m,
  ]) {
    assert.match(text, expected);
  }
});

test('the compose file: version-less, loopback port, read-only, grace period', () => {
  const facts: ImageFacts = { ...HELLO, stopDelay: 2 };
  const text = composeManifest(facts, { format: 'compose', name: 'hello', replicas: 1 }, ['mwe-app/hello:latest', '--compose']);
  assert.not.match(text, /^version:/m);
  for (const expected of [
    /^services:\n  hello:\n    image: mwe-app\/hello:latest$/m,
    /- "127\.0\.0\.1:8000:8000"$/m,
    /read_only: true$/m,
    /tmpfs:\n\s+- \/tmp$/m,
    /cap_drop:\n\s+- ALL$/m,
    /- no-new-privileges:true$/m,
    /stop_grace_period: "15s"$/m,
    /test:\n\s+- CMD\n\s+- \/usr\/local\/bin\/mwe-healthcheck$/m,
  ]) {
    assert.match(text, expected);
  }
});

test('deploy/kubernetes.yaml is the manifest of the example app with the defaults (npm run manifest:example)', () => {
  const committed = readFileSync(path.join(ROOT, 'deploy', 'kubernetes.yaml'), 'utf8');
  const generated = kubernetesManifest(HELLO, { format: 'kubernetes', name: 'hello', replicas: 2 }, ['mwe-app/hello:latest', '--kubernetes']);
  assert.fixture(committed, generated);
});

test('usage errors are one line, exit 2, before the engine is asked', () => {
  const cases: [string[], RegExp][] = [
    [['manifest', 'img', '--kubernetes', '--compose'], /--kubernetes and --compose: give one/],
    [['manifest', 'img', '--name', 'Bad_Name'], /--name: 'Bad_Name' is not a name/],
    [['manifest', 'img', '--replicas', 'many'], /--replicas: 'many' is not a whole number/],
    [['manifest', 'img', '--compose', '--replicas', '2'], /--replicas is for --kubernetes/],
    [['manifest', 'an image'], /IMAGE: 'an image' is not an image name/],
    [['manifest'], /missing required argument 'IMAGE'/],
    [['manifest', 'img', '--frobnicate'], /unknown option '--frobnicate'/],
  ];
  for (const [args, pattern] of cases) {
    // No engine there: a case that got past the checks would fail with exit 1 instead.
    const result = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', env: { ...process.env, DOCKER_HOST: 'tcp://127.0.0.1:9' } });
    assert.is(result.status, 2, `${args.join(' ')}: ${result.stderr}`);
    assert.is(result.stderr.trim().split('\n').length, 1, result.stderr);
    assert.match(result.stderr, pattern);
  }
  const unreachable = spawnSync(process.execPath, [CLI, 'manifest', 'img'], { encoding: 'utf8', env: { ...process.env, DOCKER_HOST: 'tcp://127.0.0.1:9' } });
  assert.is(unreachable.status, 1);
  assert.match(unreachable.stderr, /^mwe-image: cannot reach the Docker engine/);
});

test.run();
