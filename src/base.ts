/**
 * Base images: find or pull the one a build asks for, or make one locally
 * with debootstrap for machines that cannot pull.
 */
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type Docker from 'dockerode';
import { RuntimeFailure, UsageError } from './errors.js';
import { findImage } from './docker/engine.js';

export const SUITES = ['trixie', 'bookworm'] as const;
export type Suite = (typeof SUITES)[number];

export function defaultBaseTag(suite: Suite): string {
  return `debian:${suite}-slim`;
}

export function bootstrapCommand(reference: string): string {
  const suite = SUITES.find((name) => reference.includes(name)) ?? 'trixie';
  const tag = reference === defaultBaseTag(suite) ? '' : ` --tag ${reference}`;
  return `mwe-image base bootstrap --suite ${suite}${tag}`;
}

/** The base image's id: present locally, else pulled, else a one-line failure naming the bootstrap command. */
export async function ensureBaseImage(docker: Docker, reference: string, progress?: (line: string) => void): Promise<string> {
  const present = await findImage(docker, reference);
  if (present) return present.Id;
  progress?.(`Pulling base image ${reference}`);
  try {
    const stream = await docker.pull(reference);
    await new Promise<void>((resolve, reject) => docker.modem.followProgress(stream, (error: Error | null) => (error ? reject(error) : resolve())));
  } catch (error) {
    const reason = ((error as Error).message || 'pull failed').split('\n')[0];
    throw new RuntimeFailure(`base image ${reference} is not present and cannot be pulled (${reason}); make it locally with: ${bootstrapCommand(reference)}`);
  }
  const pulled = await findImage(docker, reference);
  if (!pulled) throw new RuntimeFailure(`base image ${reference} was pulled but is not listed by the engine`);
  return pulled.Id;
}

function run(command: string, args: string[], progress?: (line: string) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const tail: string[] = [];
    const collect = (chunk: Buffer): void => {
      for (const line of chunk.toString().split('\n').filter(Boolean)) {
        tail.push(line);
        if (tail.length > 30) tail.shift();
        progress?.(line);
      }
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    child.on('error', (error) => reject(new RuntimeFailure(`cannot run ${command}: ${error.message}`)));
    child.on('close', (code) => (code === 0 ? resolve() : reject(new RuntimeFailure(`${command} exited with status ${code}`, tail.join('\n')))));
  });
}

export interface BootstrapRequest {
  suite: Suite;
  tag: string;
  mirror: string;
}

/** debootstrap --variant=minbase into a temporary tree, imported as an image through the Engine API. */
export async function bootstrapBaseImage(docker: Docker, request: BootstrapRequest, progress?: (line: string) => void): Promise<string> {
  if (process.getuid?.() !== 0) {
    throw new UsageError('base bootstrap: debootstrap needs root; run it as root (sudo)');
  }
  if (!['/usr/sbin/debootstrap', '/usr/bin/debootstrap'].some((candidate) => existsSync(candidate))) {
    throw new UsageError('base bootstrap: debootstrap is not installed; install it with: apt-get install debootstrap');
  }
  const work = mkdtempSync(path.join(tmpdir(), 'mwe-base-'));
  const root = path.join(work, 'rootfs');
  try {
    progress?.(`debootstrap --variant=minbase ${request.suite} (about a minute)`);
    await run('debootstrap', ['--variant=minbase', request.suite, root, request.mirror], progress);
    slimRootfs(root);
    addContainerConfig(root);
    progress?.(`importing ${root} as ${request.tag}`);
    const tarProcess = spawn('tar', ['--numeric-owner', '-C', root, '-c', '.'], { stdio: ['ignore', 'pipe', 'inherit'] });
    const [repo, tag] = splitReference(request.tag);
    const response = await docker.importImage(tarProcess.stdout, { repo, tag, changes: ['CMD ["bash"]'] } as object);
    await new Promise<void>((resolve, reject) => docker.modem.followProgress(response, (error: Error | null) => (error ? reject(error) : resolve())));
    const image = await findImage(docker, request.tag);
    if (!image) throw new RuntimeFailure(`import of ${request.tag} did not produce an image`);
    return image.Id;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** What Debian's official -slim images leave out, also for packages installed later. */
export const SLIM_DPKG_CONFIG = [
  'path-exclude /usr/share/doc/*',
  'path-include /usr/share/doc/*/copyright',
  'path-exclude /usr/share/man/*',
  'path-exclude /usr/share/groff/*',
  'path-exclude /usr/share/info/*',
  'path-exclude /usr/share/lintian/*',
  'path-exclude /usr/share/locale/*',
].join('\n');

function emptyDirectory(directory: string, keep: (name: string) => boolean = () => false): void {
  if (!existsSync(directory)) return;
  for (const name of readdirSync(directory)) {
    if (!keep(name)) rmSync(path.join(directory, name), { recursive: true, force: true });
  }
}

/** Drops apt caches, logs, docs, man pages and translations from a fresh debootstrap tree. */
export function slimRootfs(root: string): void {
  for (const leftover of [
    'var/cache/apt/archives',
    'var/lib/apt/lists',
    'var/log',
    'usr/share/man',
    'usr/share/info',
    'usr/share/locale',
    'usr/share/groff',
    'usr/share/lintian',
  ]) {
    emptyDirectory(path.join(root, leftover), (name) => name === 'partial' || name === 'lock');
  }
  const docs = path.join(root, 'usr/share/doc');
  if (existsSync(docs)) {
    for (const name of readdirSync(docs)) emptyDirectory(path.join(docs, name), (file) => file === 'copyright');
  }
  mkdirSync(path.join(root, 'etc/dpkg/dpkg.cfg.d'), { recursive: true });
  writeFileSync(path.join(root, 'etc/dpkg/dpkg.cfg.d/docker-slim'), `${SLIM_DPKG_CONFIG}\n`);
}

/**
 * The apt and dpkg settings Debian's official images carry (debuerreotype's
 * minimizing config): no fsync after each unpacked package, no translation
 * indexes, no services started by package scripts, downloaded packages not
 * kept in the layer. A Dockerfile written for debian:SUITE-slim builds here as there.
 */
export const CONTAINER_CONFIG_FILES: Record<string, { content: string; mode: number }> = {
  'etc/dpkg/dpkg.cfg.d/docker-apt-speedup': { content: 'force-unsafe-io\n', mode: 0o644 },
  'etc/apt/apt.conf.d/docker-no-languages': { content: 'Acquire::Languages "none";\n', mode: 0o644 },
  'etc/apt/apt.conf.d/docker-autoremove-suggests': { content: 'Apt::AutoRemove::SuggestsImportant "false";\n', mode: 0o644 },
  'etc/apt/apt.conf.d/docker-clean': {
    content: [
      'DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };',
      'APT::Update::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };',
      'Dir::Cache::pkgcache "";',
      'Dir::Cache::srcpkgcache "";',
      '',
    ].join('\n'),
    mode: 0o644,
  },
  'usr/sbin/policy-rc.d': { content: '#!/bin/sh\n# Package scripts start no services in an image build.\nexit 101\n', mode: 0o755 },
};

export function addContainerConfig(root: string): void {
  for (const [name, { content, mode }] of Object.entries(CONTAINER_CONFIG_FILES)) {
    mkdirSync(path.dirname(path.join(root, name)), { recursive: true });
    writeFileSync(path.join(root, name), content);
    chmodSync(path.join(root, name), mode);
  }
}

export function splitReference(reference: string): [string, string] {
  const slash = reference.lastIndexOf('/');
  const colon = reference.lastIndexOf(':');
  return colon > slash ? [reference.slice(0, colon), reference.slice(colon + 1)] : [reference, 'latest'];
}
