/**
 * Build contexts as tar streams. Generated entries get a fixed time and all
 * entries a fixed owner, so the engine's layer cache sees only real changes;
 * host files keep their mtime (Apache derives Last-Modified and ETag from it).
 */
import { chmodSync, copyFileSync, createReadStream, existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Ignore } from '@balena/dockerignore';
import path from 'node:path';
import type { Readable } from 'node:stream';
import tar from 'tar-stream';

const FIXED_TIME = new Date(0);

// A CommonJS module whose typings claim an ES default export.
const dockerignore = createRequire(import.meta.url)('@balena/dockerignore') as (options?: { ignorecase?: boolean }) => Ignore;

/** The matcher of a directory's .dockerignore; nothing is ignored without one. */
function dockerignoreOf(hostPath: string): (relative: string) => boolean {
  const file = path.join(hostPath, '.dockerignore');
  if (!existsSync(file)) return () => false;
  const matcher = dockerignore({ ignorecase: false }).add(readFileSync(file, 'utf8').split(/\r?\n/));
  return (relative) => matcher.ignores(relative);
}
/** Never part of an image: VCS data and Python bytecode caches. */
const SKIPPED_NAMES = new Set(['.git', '.hg', '.svn', '__pycache__', 'node_modules', '.DS_Store']);

type Entry =
  | { kind: 'file'; name: string; content: Buffer | string; mode?: number }
  | { kind: 'host-file'; name: string; hostPath: string; mode: number; size: number; mtime: Date }
  | { kind: 'directory'; name: string }
  | { kind: 'symlink'; name: string; target: string };

export class ContextBuilder {
  private readonly entries: Entry[] = [];

  addFile(name: string, content: Buffer | string, mode = 0o644): this {
    this.entries.push({ kind: 'file', name, content, mode });
    return this;
  }

  addDirectory(name: string): this {
    this.entries.push({ kind: 'directory', name });
    return this;
  }

  /**
   * Adds a host file or directory tree under `name`. A directory's own
   * .dockerignore, if any, leaves out what it names (Docker's syntax).
   */
  addHostPath(name: string, hostPath: string, ignored: (relative: string) => boolean = dockerignoreOf(hostPath), relative = ''): this {
    const stat = lstatSync(hostPath);
    if (stat.isSymbolicLink()) {
      this.entries.push({ kind: 'symlink', name, target: readlinkSync(hostPath) });
    } else if (stat.isDirectory()) {
      this.addDirectory(name);
      for (const child of readdirSync(hostPath).sort()) {
        const childRelative = relative ? `${relative}/${child}` : child;
        if (SKIPPED_NAMES.has(child) || child.endsWith('.pyc') || ignored(childRelative)) continue;
        this.addHostPath(path.posix.join(name, child), path.join(hostPath, child), ignored, childRelative);
      }
    } else if (stat.isFile()) {
      // Keep the executable bits, normalise the rest (umask differences must not bust the cache).
      const mode = stat.mode & 0o111 ? 0o755 : 0o644;
      this.entries.push({ kind: 'host-file', name, hostPath, mode, size: stat.size, mtime: stat.mtime });
    }
    return this;
  }

  /** Names of all entries, for tests and for --emit-context. */
  names(): string[] {
    return this.entries.map((entry) => entry.name);
  }

  /** Writes the context as a directory tree (--emit-context): what a builder given that directory would see. */
  writeTo(directory: string): void {
    for (const entry of this.entries) {
      const target = path.join(directory, ...entry.name.split('/'));
      mkdirSync(path.dirname(target), { recursive: true });
      switch (entry.kind) {
        case 'directory':
          mkdirSync(target, { recursive: true });
          break;
        case 'symlink':
          symlinkSync(entry.target, target);
          break;
        case 'file':
          writeFileSync(target, entry.content);
          chmodSync(target, entry.mode ?? 0o644);
          break;
        case 'host-file':
          copyFileSync(entry.hostPath, target);
          chmodSync(target, entry.mode);
          utimesSync(target, entry.mtime, entry.mtime);
          break;
      }
    }
  }

  toStream(): Readable {
    const pack = tar.pack();
    const entries = [...this.entries];
    const next = (): void => {
      const entry = entries.shift();
      if (!entry) {
        pack.finalize();
        return;
      }
      const header = { name: entry.name, mtime: FIXED_TIME, uid: 0, gid: 0 };
      switch (entry.kind) {
        case 'file':
          pack.entry({ ...header, mode: entry.mode }, entry.content, (error) => (error ? pack.destroy(error) : next()));
          break;
        case 'directory':
          pack.entry({ ...header, type: 'directory', mode: 0o755 }, (error) => (error ? pack.destroy(error) : next()));
          break;
        case 'symlink':
          pack.entry({ ...header, type: 'symlink', linkname: entry.target }, (error) => (error ? pack.destroy(error) : next()));
          break;
        case 'host-file': {
          const sink = pack.entry({ ...header, mode: entry.mode, size: entry.size, mtime: entry.mtime }, (error) => (error ? pack.destroy(error) : next()));
          createReadStream(entry.hostPath).on('error', (error) => pack.destroy(error)).pipe(sink);
          break;
        }
      }
    };
    next();
    return pack as unknown as Readable;
  }
}
