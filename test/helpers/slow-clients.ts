/**
 * Slow clients (issue #13): connections that send a request's headers a line
 * a second and never finish them, as a slow-loris client does, and the normal
 * requests timed while they are held. Loopback only; bounded in count and time.
 */
import http from 'node:http';
import net from 'node:net';

export interface SlowClients {
  /** Resolves once `count` connections are open at the same time (or when the hold ends first). */
  ready: Promise<void>;
  /** Connections open now. */
  open: () => number;
  /** Connections the server closed before the hold ended (each is reopened at once). */
  closedByServer: () => number;
  /** Resolves when the hold has ended and every connection is closed. */
  done: Promise<void>;
}

/** Holds `count` slow-header connections to 127.0.0.1:`port` for `seconds`, reopening any the server closes. */
export function holdSlowClients(port: number, count: number, seconds: number): SlowClients {
  const end = Date.now() + seconds * 1000;
  let open = 0;
  let closedByServer = 0;
  let live = 0;
  let markReady: () => void = () => undefined;
  let markDone: () => void = () => undefined;
  const ready = new Promise<void>((resolve) => (markReady = resolve));
  const done = new Promise<void>((resolve) => (markDone = resolve));
  const connect = (): void => {
    live += 1;
    const socket = net.connect(port, '127.0.0.1');
    let timer: NodeJS.Timeout | undefined;
    let connected = false;
    const hold = setTimeout(() => socket.destroy(), Math.max(0, end - Date.now()));
    socket.on('connect', () => {
      connected = true;
      open += 1;
      if (open >= count) markReady();
      socket.write('GET /?slow-client HTTP/1.1\r\nHost: localhost\r\n');
      timer = setInterval(() => socket.write('X-Slow: 1\r\n'), 1000);
    });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearInterval(timer);
      clearTimeout(hold);
      if (connected) open -= 1;
      live -= 1;
      if (Date.now() < end) {
        // Reopened at once when the server closed it; a refused connection is retried a little later.
        if (connected) closedByServer += 1;
        setTimeout(connect, connected ? 0 : 100);
      } else if (live === 0) {
        markReady();
        markDone();
      }
    });
  };
  for (let index = 0; index < count; index += 1) connect();
  return { ready, open: () => open, closedByServer: () => closedByServer, done };
}

export interface Probe {
  /** Milliseconds since the probing began, when sent. */
  sentMs: number;
  latencyMs: number;
  status: number;
  error: string;
  /** Slow connections open when it was sent. */
  slowOpen: number;
}

/** One normal GET every `everyMs` until `until` settles; each waits at most `timeoutMs`. */
export async function probeWhile(url: string, until: Promise<unknown>, slow: SlowClients, everyMs = 200, timeoutMs = 40000): Promise<Probe[]> {
  let finished = false;
  void until.finally(() => (finished = true));
  const started = performance.now();
  const probes: Probe[] = [];
  while (!finished) {
    const sent = performance.now();
    const slowOpen = slow.open();
    const outcome = await new Promise<{ status: number; error: string }>((resolve) => {
      const request = http.get(url, { agent: false, timeout: timeoutMs }, (response) => {
        response.resume();
        response.on('end', () => resolve({ status: response.statusCode ?? 0, error: '' }));
        response.on('error', (error: NodeJS.ErrnoException) => resolve({ status: 0, error: error.code ?? error.message }));
      });
      request.on('timeout', () => request.destroy(new Error('timeout')));
      request.on('error', (error: NodeJS.ErrnoException) => resolve({ status: 0, error: error.code ?? error.message }));
    });
    probes.push({ sentMs: sent - started, latencyMs: performance.now() - sent, slowOpen, ...outcome });
    if (!finished) await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
  return probes;
}
