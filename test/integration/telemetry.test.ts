/**
 * The document's Telemetry section with mod_wsgi 6 from PyPI: --enable-telemetry
 * installs mod_wsgi-telemetry, runs the ingester in a service daemon and points
 * the WSGI processes at it; its UI's data endpoint shows the requests made.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { buildWithCli, docker, httpGet, removeContainer, runCli, startContainer, startOnHostNetwork, waitFor200, type Running } from '../helpers/docker.js';
import { freePort } from '../helpers/ports.js';
import { fixture } from '../helpers/paths.js';

const telemetry = suite('telemetry (mod_wsgi 6)');
const APP = fixture('app', 'wsgi.py');
const running: Running[] = [];

interface Snapshot {
  processes: { process_group: string; samples: { fields: Record<string, number> }[] }[];
  slow_requests: { entry: Record<string, unknown> }[];
}

telemetry.after(async () => {
  await Promise.all(running.map(removeContainer));
});

/** Polls the UI's state until `done` holds (bounded: 30 s); returns the last snapshot. */
async function waitForState(url: string, done: (state: Snapshot) => boolean): Promise<Snapshot> {
  const deadline = Date.now() + 30000;
  let state: Snapshot = { processes: [], slow_requests: [] };
  while (Date.now() < deadline) {
    const response = await httpGet(url).catch(() => undefined);
    if (response?.status === 200) {
      state = JSON.parse(response.body) as Snapshot;
      if (done(state)) return state;
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return state;
}

const requestsSeen = (state: Snapshot, group: string): number =>
  state.processes
    .filter((process) => process.process_group === group)
    .flatMap((process) => process.samples)
    .reduce((sum, sample) => sum + (sample.fields.request_count ?? 0), 0);

telemetry("--enable-telemetry: the ingester in the image counts the app's requests and records a slow one", async () => {
  const uiPort = await freePort();
  const built = await buildWithCli([
    APP,
    '--enable-telemetry',
    '--telemetry-ui-port',
    String(uiPort),
    '--slow-requests',
    '1',
    '--telemetry-options',
    '+CaptureUserAgent',
    '--tag',
    'mwe-test/telemetry',
  ]);
  assert.match(built.stderr, /mod_wsgi 6\.\d+\.\d+/);
  const server = await startOnHostNetwork('mwe-test/telemetry');
  running.push(server);
  const ui = `http://127.0.0.1:${uiPort}`;
  await waitFor200(`${ui}/`);
  for (let i = 0; i < 20; i += 1) assert.is((await httpGet(server.url('/'))).status, 200);
  assert.is((await httpGet(server.url('/slow?seconds=2'), 15000, { 'User-Agent': 'mwe-telemetry-test' })).status, 200);
  const group = `localhost:${server.port}`;
  const state = await waitForState(`${ui}/api/state`, (snapshot) => requestsSeen(snapshot, group) >= 21 && snapshot.slow_requests.length > 0);
  assert.ok(requestsSeen(state, group) >= 21, `request_count for ${group}: ${requestsSeen(state, group)}\n${JSON.stringify(state).slice(0, 2000)}`);
  assert.match(JSON.stringify(state.slow_requests), /\/slow/);
  assert.match(JSON.stringify(state.slow_requests), /mwe-telemetry-test/);
  const config = (await runCli(['config', APP, '--enable-telemetry', '--slow-requests', '1', '--telemetry-options', '+CaptureUserAgent'])).stdout;
  assert.match(config, /^WSGITelemetryService unix:\$\{MWE_RUNTIME_DIR\}\/telemetry\.sock interval=1\.0$/m);
  assert.match(config, /^WSGISlowRequests 1\.0$/m);
  assert.match(config, /^WSGITelemetryOptions \+CaptureUserAgent$/m);
  assert.match(config, /^WSGIDaemonProcess 'service:telemetry' \\$/m);
});

telemetry('--telemetry-ui-host 0.0.0.0: the UI is reachable through a published port, with a warning at build time', async () => {
  const built = await buildWithCli([APP, '--enable-telemetry', '--telemetry-ui-host', '0.0.0.0', '--tag', 'mwe-test/telemetry-published']);
  assert.match(built.stderr, /Warning: --telemetry-ui-host 0\.0\.0\.0: the telemetry UI \(no authentication\)/);
  const exposed = Object.keys((await docker.getImage('mwe-test/telemetry-published').inspect()).Config.ExposedPorts ?? {});
  assert.equal(exposed.sort(), ['8000/tcp', '8888/tcp']);
  const loopback = [{ HostIp: '127.0.0.1', HostPort: '' }];
  const server = await startContainer('mwe-test/telemetry-published', { hostConfig: { PortBindings: { '8000/tcp': loopback, '8888/tcp': loopback } } });
  running.push(server);
  const published = (await server.container.inspect()).NetworkSettings.Ports['8888/tcp']![0].HostPort;
  const response = await waitFor200(`http://127.0.0.1:${published}/`);
  assert.match(response.body, /<html/i);
});

telemetry.run();
