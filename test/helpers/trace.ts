/** System calls of a container's process, traced from the host with strace (root, as the tests run). */
import { spawn } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type Docker from 'dockerode';

/** The host PID of the container's process whose PID inside the container is `pid`. */
export async function hostPid(container: Docker.Container, pid: string): Promise<string> {
  const top = await container.top({ ps_args: '-eo pid' });
  for (const [candidate] of top.Processes ?? []) {
    const status = readFileSync(`/proc/${candidate}/status`, 'utf8');
    const namespaces = /^NSpid:\s+(.*)$/m.exec(status)?.[1].trim().split(/\s+/) ?? [];
    if (namespaces[namespaces.length - 1] === pid) return candidate;
  }
  throw new Error(`no process of the container has PID ${pid} inside it`);
}

/**
 * strace -f on every thread of a host process while `during` runs: the lines
 * strace wrote. `during` starts once strace says it is attached.
 */
export async function traceSystemCalls(pid: string, during: () => Promise<void>): Promise<string> {
  const output = path.join(os.tmpdir(), `mwe-trace-${process.pid}-${pid}.txt`);
  const strace = spawn('strace', ['-f', '-p', pid, '-o', output], { stdio: ['ignore', 'ignore', 'pipe'] });
  const exited = new Promise<void>((resolve) => strace.on('exit', () => resolve()));
  try {
    await new Promise<void>((resolve, reject) => {
      let said = '';
      strace.stderr.on('data', (chunk: Buffer) => {
        said += chunk.toString();
        if (/attached/.test(said)) resolve();
      });
      strace.on('error', reject);
      strace.on('exit', (code) => reject(new Error(`strace ended (${code}) before attaching: ${said.trim()}`)));
    });
    await during();
  } finally {
    strace.kill('SIGINT');
    await exited;
  }
  try {
    return readFileSync(output, 'utf8');
  } finally {
    rmSync(output, { force: true });
  }
}
