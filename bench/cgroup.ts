/**
 * CPU time of a server from its cgroup, so efficiency is compared and not
 * only speed on a shared machine: a container's cgroup (Docker made it), and
 * for the host's mod_wsgi-express one this module makes with the same CPU
 * quota. cgroup v1 (cpu and cpuacct hierarchies: cpuacct.usage, ns) and v2
 * (one hierarchy: cpu.stat usage_usec, cpu.max) are both read.
 */
import { existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type Docker from 'dockerode';

const ROOT = '/sys/fs/cgroup';
const V2 = existsSync(path.join(ROOT, 'cgroup.controllers'));
/** The CFS period the quotas are given in (Docker's default). */
const PERIOD_US = 100000;

/** A function giving the CPU seconds used so far by the cgroup of a process (undefined when unreadable). */
export type CpuClock = () => number | undefined;

function readCpuSeconds(v1Cpuacct: string | undefined, v2Group: string | undefined): number | undefined {
  try {
    if (v2Group !== undefined) {
      const usage = /^usage_usec (\d+)$/m.exec(readFileSync(path.join(ROOT, v2Group, 'cpu.stat'), 'utf8'));
      return usage ? Number(usage[1]) / 1e6 : undefined;
    }
    if (v1Cpuacct !== undefined) return Number(readFileSync(path.join(v1Cpuacct, 'cpuacct.usage'), 'utf8')) / 1e9;
  } catch {
    // the group is gone
  }
  return undefined;
}

/** The cgroup of PID as the host sees it: its path, and the v1 cpuacct directory or the v2 group path. */
function cgroupOf(pid: number): { group?: string; v1Cpuacct?: string; v2Group?: string } {
  const lines = readFileSync(`/proc/${pid}/cgroup`, 'utf8').trim().split('\n');
  if (V2) {
    const line = lines.find((entry) => entry.startsWith('0::'));
    return { group: line?.slice(3), v2Group: line?.slice(3) };
  }
  for (const line of lines) {
    const [, controllers, group] = line.split(':');
    const names = controllers.split(',');
    if (!names.includes('cpuacct')) continue;
    for (const mount of [controllers, 'cpuacct', 'cpu,cpuacct', 'cpuacct,cpu']) {
      const directory = path.join(ROOT, mount, group);
      if (existsSync(path.join(directory, 'cpuacct.usage'))) return { group, v1Cpuacct: directory };
    }
  }
  return {};
}

/** The CPU clock of a running container's cgroup. */
export async function containerCpuClock(container: Docker.Container): Promise<CpuClock> {
  const pid = (await container.inspect()).State.Pid;
  const { v1Cpuacct, v2Group } = cgroupOf(pid);
  return () => readCpuSeconds(v1Cpuacct, v2Group);
}

/**
 * The group a running container's cgroup sits in (e.g. /docker): a server
 * outside a container is put there too, so that it competes for the CPU with
 * the same weight as the containers and not as a sibling of all of them.
 */
export async function containerCgroupParent(container: Docker.Container): Promise<string> {
  const { group } = cgroupOf((await container.inspect()).State.Pid);
  return group ? path.dirname(group) : '/';
}

export interface HostCgroup {
  /** Shell words that move the shell running them into the group (then `exec` the server). */
  enter: string;
  clock: CpuClock;
  remove: () => void;
}

/**
 * A cgroup on the host limited to CPUS CPUs (the quota `docker run --cpus`
 * sets), in PARENT (containerCgroupParent), for a server run outside a
 * container; undefined when this host does
 * not let us make one (not root, or v2 without the cpu controller delegated).
 */
export function hostCgroup(name: string, cpus: number, parent = '/'): HostCgroup | undefined {
  const quota = String(Math.round(cpus * PERIOD_US));
  try {
    if (V2) {
      const group = path.join(ROOT, parent, name);
      mkdirSync(group, { recursive: true });
      writeFileSync(path.join(group, 'cpu.max'), `${quota} ${PERIOD_US}`);
      return {
        enter: `echo $$ > ${path.join(group, 'cgroup.procs')}`,
        clock: () => readCpuSeconds(undefined, path.join(parent, name)),
        remove: () => rmdirSync(group),
      };
    }
    const cpu = path.join(ROOT, 'cpu', parent, name);
    const cpuacct = path.join(ROOT, 'cpuacct', parent, name);
    mkdirSync(cpu, { recursive: true });
    mkdirSync(cpuacct, { recursive: true });
    writeFileSync(path.join(cpu, 'cpu.cfs_period_us'), String(PERIOD_US));
    writeFileSync(path.join(cpu, 'cpu.cfs_quota_us'), quota);
    return {
      enter: `echo $$ > ${path.join(cpu, 'cgroup.procs')} && echo $$ > ${path.join(cpuacct, 'cgroup.procs')}`,
      clock: () => readCpuSeconds(cpuacct, undefined),
      remove: () => {
        for (const directory of [cpu, cpuacct]) {
          try {
            rmdirSync(directory);
          } catch {
            // a process is still in it; the kernel frees it when it exits
          }
        }
      },
    };
  } catch {
    return undefined;
  }
}
