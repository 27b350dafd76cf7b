/** Requests with the host's curl, for what Node's http client does not do (client certificates over TLS 1.3, Digest auth). */
import { execFile } from 'node:child_process';

export interface CurlResult {
  exit: number;
  status: number;
  headers: Record<string, string>;
  body: string;
  stderr: string;
}

/**
 * One request with curl (exit code, status, headers, body); never throws on a
 * failed transfer. With several responses (--digest asks twice) the last one.
 */
export function curl(url: string, extra: string[] = []): Promise<CurlResult> {
  return new Promise((resolve) => {
    execFile('curl', ['-sS', '-i', '--max-time', '15', ...extra, url], { encoding: 'utf8' }, (error, stdout, stderr) => {
      const last = Math.max(0, ...[...stdout.matchAll(/(?:^|\n)(?=HTTP\/[\d.]+ \d{3})/g)].map((match) => match.index + match[0].length));
      const [head = '', ...rest] = stdout.slice(last).split('\r\n\r\n');
      const [statusLine = '', ...lines] = head.split('\r\n');
      const headers = Object.fromEntries(lines.map((line) => [line.slice(0, line.indexOf(':')).toLowerCase(), line.slice(line.indexOf(':') + 1).trim()]));
      resolve({
        exit: error ? Number(error.code ?? 1) : 0,
        status: Number(/^HTTP\/[\d.]+ (\d+)/.exec(statusLine)?.[1] ?? 0),
        headers,
        body: rest.join('\r\n\r\n'),
        stderr,
      });
    });
  });
}
