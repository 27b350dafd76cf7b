/** The graceful-stop check shared by the image layouts: docker stop lets a request in flight finish. */
import * as assert from 'uvu/assert';
import { httpGet, slowRequestInFlight, type Running } from './docker.js';

/** Starts a 3-second request (the fixture app's /slow), stops the container and asserts it finished with 200 and exit 0. */
export async function assertStopLetsRequestFinish(server: Running): Promise<void> {
  const slow = httpGet(server.url('/slow?seconds=3'), 20000);
  await slowRequestInFlight(server.container);
  await server.container.stop({ t: 10 });
  const response = await slow;
  assert.is(response.status, 200);
  assert.is(response.body, 'slow done');
  assert.is((await server.container.inspect()).State.ExitCode, 0);
  assert.match((await server.container.logs({ stdout: true, stderr: true })).toString(), /shutting down gracefully/);
}
