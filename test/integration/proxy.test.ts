/**
 * --proxy-mount-point and --proxy-virtual-host: a WebSocket echo service
 * (the websockets package from PyPI, via the app's requirements.txt) started
 * with --service-script in the same container, reached through Apache with a
 * real WebSocket upgrade and echo. The client is written out here over a
 * net socket (Node 20 has no WebSocket client; no dependency for one test).
 */
import { createHash, randomBytes } from 'node:crypto';
import { connect } from 'node:net';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { buildWithCli, httpGet, removeContainer, serveImage, until, type Running } from '../helpers/docker.js';
import { fixture } from '../helpers/paths.js';

const proxy = suite('proxy');
const TAG = 'mwe-test/tls-proxy';
const running: Running[] = [];

proxy.after(async () => {
  await Promise.all(running.map(removeContainer));
});

const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

/** A masked client text frame (RFC 6455 5.2), payload under 126 bytes. */
function textFrame(text: string): Buffer {
  const payload = Buffer.from(text);
  const mask = randomBytes(4);
  const masked = Buffer.from(payload.map((byte, index) => byte ^ mask[index % 4]));
  return Buffer.concat([Buffer.from([0x81, 0x80 | payload.length]), mask, masked]);
}

interface Exchange {
  status: string;
  accept: string;
  reply: string;
}

/**
 * Opens a WebSocket to 127.0.0.1:port at path (with Host), sends one text
 * message and resolves with the upgrade's status line, whether the accept key
 * was right, and the first text frame the server sent back.
 */
function webSocketEcho(port: number, path: string, host: string, message: string): Promise<Exchange> {
  const key = randomBytes(16).toString('base64');
  const expected = createHash('sha1')
    .update(key + GUID)
    .digest('base64');
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let buffer = Buffer.alloc(0);
    let head: { status: string; accept: string } | undefined;
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no WebSocket echo from ${path} within 15 s (${head?.status ?? 'no upgrade'})`));
    }, 15000);
    socket.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    socket.on('connect', () => {
      socket.write(
        `GET ${path} HTTP/1.1\r\nHost: ${host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
          `Sec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
      );
    });
    socket.on('data', (chunk) => {
      buffer = Buffer.concat([buffer, chunk]);
      if (!head) {
        const end = buffer.indexOf('\r\n\r\n');
        if (end < 0) return;
        const lines = buffer.subarray(0, end).toString('latin1').split('\r\n');
        const accept =
          lines
            .find((line) => /^sec-websocket-accept:/i.test(line))
            ?.split(':')[1]
            ?.trim() ?? '';
        head = { status: lines[0], accept: accept === expected ? 'valid' : `invalid (${accept})` };
        buffer = buffer.subarray(end + 4);
        if (!/^HTTP\/1\.1 101 /.test(lines[0])) {
          clearTimeout(timer);
          socket.destroy();
          resolve({ ...head, reply: '' });
          return;
        }
        socket.write(textFrame(message));
      }
      // An unmasked server text frame, payload under 126 bytes.
      if (buffer.length >= 2 && buffer.length >= 2 + (buffer[1] & 0x7f)) {
        clearTimeout(timer);
        assert.is(buffer[0], 0x81, 'a final text frame');
        const reply = buffer.subarray(2, 2 + (buffer[1] & 0x7f)).toString('utf8');
        socket.destroy();
        resolve({ ...head, reply });
      }
    });
  });
}

proxy('--proxy-mount-point /ws/ reaches a WebSocket service in the same container; --proxy-virtual-host too', async () => {
  const app = fixture('websocket', 'wsgi.py');
  await buildWithCli([
    app,
    '--tag',
    TAG,
    '--service-script',
    'echo',
    fixture('websocket', 'echo_service.py'),
    '--proxy-mount-point',
    '/ws/',
    'http://127.0.0.1:9000/',
    '--proxy-virtual-host',
    'echo.test',
    'http://127.0.0.1:9000/',
    '--proxy-timeout',
    '120',
  ]);
  const server = await serveImage(running, TAG, { ok: true });
  assert.is((await httpGet(server.url('/'))).body, 'the wsgi application');

  // The service starts with the daemon processes; wait for its first echo.
  let exchange: Exchange | undefined;
  await until('the echo service answers through Apache', 60, async () => {
    exchange = await webSocketEcho(server.port, '/ws/chat', `127.0.0.1:${server.port}`, 'hello');
    return exchange.status.includes(' 101 ');
  });
  assert.equal(exchange, { status: 'HTTP/1.1 101 Switching Protocols', accept: 'valid', reply: '/chat /ws hello' });

  // The mount point without its slash redirects to it, as mod_wsgi-express does.
  const bare = await httpGet(server.url('/ws'));
  assert.is(bare.status, 302);
  assert.is(bare.headers.location, `http://127.0.0.1:${server.port}/ws/`);

  // The proxied host name: everything under / goes to the service.
  const viaHost = await webSocketEcho(server.port, '/anything', 'echo.test', 'again');
  assert.equal(viaHost, { status: 'HTTP/1.1 101 Switching Protocols', accept: 'valid', reply: '/anything - again' });
  // Other names still reach the WSGI application.
  assert.is((await httpGet(server.url('/other'))).body, 'the wsgi application');
});

proxy.run();
