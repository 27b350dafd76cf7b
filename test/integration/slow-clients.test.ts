/**
 * Slow clients (issue #13): with the default options, 150 connections that
 * send their headers a line a second, held for 20 s, do not starve everyone
 * else: normal requests sent meanwhile are answered 200, each well before
 * the slow connections would time out (RequestReadTimeout header=15). The
 * latencies themselves are numbers for the benchmark (bench/slow-clients.ts).
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { buildWithCli, removeContainer, startOnHostNetwork, type Running } from '../helpers/docker.js';
import { fixture } from '../helpers/paths.js';
import { holdSlowClients, probeWhile } from '../helpers/slow-clients.js';

const slowClients = suite('slow-clients');
const IMAGE = 'mwe-slow/faults';
const SLOW = 150;
const HOLD_SECONDS = 20;
/** --header-timeout's default: a slow connection is closed by then. */
const HEADER_TIMEOUT_MS = 15000;
const running: Running[] = [];

slowClients.before(async () => {
  await buildWithCli([fixture('faults', 'wsgi.py'), '--tag', IMAGE]);
});

slowClients.after(async () => {
  await Promise.all(running.map(removeContainer));
});

slowClients(`${SLOW} slow-header connections held ${HOLD_SECONDS} s: normal requests meanwhile get 200 before a slow connection times out`, async () => {
  // Host network: the slow connections reach Apache's own socket, not docker-proxy's.
  const server = await startOnHostNetwork(IMAGE);
  running.push(server);
  const slow = holdSlowClients(server.port, SLOW, HOLD_SECONDS);
  await slow.ready;
  const probes = await probeWhile(server.url('/'), slow.done, slow);
  const latencies = probes.map((probe) => probe.latencyMs).sort((a, b) => a - b);
  const summary =
    `${probes.length} requests while ${SLOW} slow connections were held (${slow.closedByServer()} reopened): ` +
    `median ${latencies[Math.floor(latencies.length / 2)]?.toFixed(0)} ms, max ${latencies[latencies.length - 1]?.toFixed(0)} ms`;
  console.log(`  ${summary}`);
  const held = probes.filter((probe) => probe.slowOpen >= SLOW * 0.9);
  assert.ok(held.length >= probes.length * 0.9, `the slow connections were not held: ${JSON.stringify(probes.map((probe) => probe.slowOpen))}`);
  for (const probe of probes) {
    assert.is(probe.status, 200, `a request sent at ${probe.sentMs.toFixed(0)} ms: ${probe.error}; ${summary}`);
    assert.ok(probe.latencyMs < HEADER_TIMEOUT_MS, `a request waited ${probe.latencyMs.toFixed(0)} ms, until slow connections timed out; ${summary}`);
  }
  // One request every 200 ms for 20 s, not one every 15 s.
  assert.ok(probes.length >= 40, summary);
});

slowClients.run();
