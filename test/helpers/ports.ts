/**
 * Ports for servers on the host network. They come from below the kernel's
 * ephemeral range (net.ipv4.ip_local_port_range, 32768 and up by default),
 * where neither a client connection's local port nor a port docker-proxy
 * publishes can be sitting, and each one is checked free before it is handed out.
 */
import { readFileSync } from 'node:fs';
import net from 'node:net';

const LOWEST = 20000;

function ephemeralStart(): number {
  try {
    return Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]) || 32768;
  } catch {
    return 32768;
  }
}

function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = net.createServer();
    probe.once('error', () => resolve(false));
    probe.listen({ port, host: '0.0.0.0', exclusive: true }, () => probe.close(() => resolve(true)));
  });
}

/** `count` consecutive ports, all free now, below the ephemeral range. */
export async function freePorts(count = 1): Promise<number[]> {
  const span = ephemeralStart() - LOWEST - count;
  for (let attempt = 0; attempt < 50; attempt += 1) {
    const base = LOWEST + Math.floor(Math.random() * span);
    const ports = Array.from({ length: count }, (_, index) => base + index);
    if ((await Promise.all(ports.map(isFree))).every(Boolean)) return ports;
  }
  throw new Error(`no ${count} consecutive free ports found between ${LOWEST} and ${ephemeralStart()}`);
}

export async function freePort(): Promise<number> {
  return (await freePorts(1))[0];
}
