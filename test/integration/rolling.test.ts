/**
 * Drain before stop, proven behind a real load balancer: with MWE_STOP_DELAY
 * a rolling replacement of two replicas under load loses no request even
 * when the balancer never retries (as kube-proxy does not), and the answers
 * switch to the new version.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { buildWithCli } from '../helpers/docker.js';
import { fixture } from '../helpers/paths.js';
import { rollingReplacement } from '../helpers/rolling.js';

const rolling = suite('rolling replacement');
const APP = fixture('version', 'wsgi.py');

rolling.before(async () => {
  for (const version of ['v1', 'v2']) {
    await buildWithCli([APP, '--setenv', 'APP_VERSION', version, '--stop-delay', '2', '--tag', `mwe-test/version:${version}`]);
  }
});

rolling('--stop-delay 2: two replicas replaced under wrk load behind HAProxy (no retries): zero non-2xx, zero socket errors, new version served', async () => {
  const result = await rollingReplacement('mwe-test/version:v1', 'mwe-test/version:v2', 2, 0);
  const detail = JSON.stringify(result);
  assert.ok(result.requests > 100, detail);
  assert.is(result.non2xx, 0, detail);
  for (const error of ['connect', 'read', 'write', 'timeout'] as const) assert.is(result[error], 0, `${error}: ${detail}`);
  assert.equal(result.oldExits, [0, 0], detail);
  assert.equal(result.after, ['v2', 'v2', 'v2', 'v2'], detail);
});

rolling.run();
