/**
 * Build contexts as tar streams. Deterministic, so that the same inputs give
 * the same layers and image: entries sorted by name, generated entries at a
 * fixed time, all owned by root (no user or group names); host files keep
 * their mtime (Apache derives Last-Modified and ETag from it), clamped to
 * SOURCE_DATE_EPOCH when one is given, and their permission bits, as Docker's
 * COPY keeps them: a 0600 file stays unreadable to the app user.
 */
import {
  chmodSync,
  copyFileSync,
  createReadStream,
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  realpathSync,
  statSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import type { Ignore } from '@balena/dockerignore';
import path from 'node:path';
import type { Readable } from 'node:stream';
import tar from 'tar-stream';
import { UsageError } from '../errors.js';

const FIXED_TIME = new Date(0);

// A CommonJS module whose typings claim an ES default export.
const dockerignore = createRequire(import.meta.url)('@balena/dockerignore') as (options?: { ignorecase?: boolean }) => Ignore;

/**
 * Likely secrets, left out of every copied tree at any depth (with a warning
 * naming each): a `!NAME` line in the tree's .dockerignore brings one back.
 */
export const SECRET_PATTERNS = ['.env*', 'id_rsa*', 'id_ed25519*', 'id_ecdsa*', '.ssh', '.aws', '.netrc', '.pypirc', '*.pem', '*.key'];

/** Never part of an image: VCS data and Python bytecode caches. */
const SKIPPED_NAMES = new Set(['.git', '.hg', '.svn', '__pycache__', 'node_modules', '.DS_Store']);

/** Permission bits kept from the host: all but setuid, setgid and sticky. */
const KEPT_MODE = 0o777;

/** Whether a path is left out of a tree, and whether only because it looks like a secret. */
type Verdict = 'keep' | 'ignored' | 'secret';

/**
 * The matcher of a tree: the secret patterns first, then the tree's own
 * .dockerignore (Docker's syntax), so that its `!NAME` lines win.
 */
function ignoreRules(root: string): (relative: string) => Verdict {
  const file = path.join(root, '.dockerignore');
  const own = existsSync(file) ? readFileSync(file, 'utf8').split(/\r?\n/) : [];
  const combined = dockerignore({ ignorecase: false }).add([...SECRET_PATTERNS.map((pattern) => `**/${pattern}`), ...own]);
  const ownOnly = dockerignore({ ignorecase: false }).add(own);
  return (relative) => (!combined.ignores(relative) ? 'keep' : ownOnly.ignores(relative) ? 'ignored' : 'secret');
}

function isInside(child: string, parent: string): boolean {
  const relative = path.relative(parent, child);
  return relative === '' || (!relative.startsWith('..') && !path.isAbsolute(relative));
}

export type TreeEntry =
  | { kind: 'directory'; relative: string; mode: number }
  | { kind: 'file'; relative: string; hostPath: string; mode: number; size: number; mtime: Date }
  | { kind: 'symlink'; relative: string; target: string };

export interface HostTree {
  /** The tree's own directory (resolved), then everything copied, parents before children. */
  entries: TreeEntry[];
  /** Host paths left out because they look like secrets (not named by the tree's .dockerignore). */
  leftOut: string[];
}

/**
 * Walks a host directory as it is copied into an image: .dockerignore and the
 * secret patterns applied, caches and VCS data skipped, permission bits kept.
 * A symbolic link stays a link when it points inside the tree (an absolute
 * one is made relative, so it resolves in the image too); one that leads out
 * of the tree is refused, naming `what` (the option that copies the tree).
 */
export function walkHostTree(directory: string, what = 'a copied directory', ignored?: (relative: string) => boolean): HostTree {
  const root = realpathSync(directory);
  const verdict = ignored ? (relative: string): Verdict => (ignored(relative) ? 'ignored' : 'keep') : ignoreRules(root);
  // As Docker's COPY of a directory: its contents keep their modes, the directory itself gets 0755.
  const tree: HostTree = { entries: [{ kind: 'directory', relative: '', mode: 0o755 }], leftOut: [] };
  const walk = (hostDir: string, relativeDir: string): void => {
    for (const child of readdirSync(hostDir).sort()) {
      const hostPath = path.join(hostDir, child);
      const relative = relativeDir ? `${relativeDir}/${child}` : child;
      if (SKIPPED_NAMES.has(child) || child.endsWith('.pyc')) continue;
      const decision = verdict(relative);
      if (decision === 'secret') tree.leftOut.push(hostPath);
      if (decision !== 'keep') continue;
      const stat = lstatSync(hostPath);
      if (stat.isSymbolicLink()) {
        tree.entries.push({ kind: 'symlink', relative, target: linkInside(hostPath, root, what) });
      } else if (stat.isDirectory()) {
        tree.entries.push({ kind: 'directory', relative, mode: stat.mode & KEPT_MODE });
        walk(hostPath, relative);
      } else if (stat.isFile()) {
        tree.entries.push({ kind: 'file', relative, hostPath, mode: stat.mode & KEPT_MODE, size: stat.size, mtime: stat.mtime });
      }
    }
  };
  walk(root, '');
  return tree;
}

/** A link's target as the image gets it, when it stays inside `root`; else a UsageError naming the link. */
function linkInside(link: string, root: string, what: string): string {
  const target = readlinkSync(link);
  const lexical = path.resolve(path.dirname(link), target);
  let resolved = lexical;
  try {
    resolved = realpathSync(link);
  } catch {
    // Dangling: judged by where it points.
  }
  if (!isInside(lexical, root) || !isInside(resolved, root)) {
    throw new UsageError(
      `${what}: '${link}' is a symbolic link to '${target}', outside '${root}', which the image cannot follow; copy what it points to into the directory, or leave the link out with a .dockerignore line`,
    );
  }
  return path.isAbsolute(target) ? path.relative(path.dirname(link), lexical) || '.' : target;
}

type Entry =
  | { kind: 'file'; name: string; content: Buffer | string; mode?: number }
  | { kind: 'host-file'; name: string; hostPath: string; mode: number; size: number; mtime: Date }
  | { kind: 'directory'; name: string; mode?: number }
  | { kind: 'symlink'; name: string; target: string };

export class ContextBuilder {
  private readonly entries: Entry[] = [];
  private readonly directories = new Map<string, { kind: 'directory'; name: string; mode?: number }>();
  /** Host paths left out of the copied trees as likely secrets. */
  readonly leftOut: string[] = [];

  addFile(name: string, content: Buffer | string, mode = 0o644): this {
    this.entries.push({ kind: 'file', name, content, mode });
    return this;
  }

  /** A directory given again keeps its first place; a host directory's mode wins over the default 0755. */
  addDirectory(name: string, mode?: number): this {
    const known = this.directories.get(name);
    if (known) {
      if (mode !== undefined) known.mode = mode;
      return this;
    }
    const entry = { kind: 'directory' as const, name, mode };
    this.directories.set(name, entry);
    this.entries.push(entry);
    return this;
  }

  /**
   * Adds a host file or directory tree under `name` (a symbolic link is
   * followed: the path was named on purpose). A tree is walked by
   * walkHostTree: .dockerignore and the secret patterns apply, unless
   * `ignored` decides instead.
   */
  addHostPath(name: string, hostPath: string, ignored?: (relative: string) => boolean): this {
    const stat = statSync(hostPath);
    if (stat.isDirectory()) {
      const tree = walkHostTree(hostPath, undefined, ignored);
      this.leftOut.push(...tree.leftOut);
      for (const entry of tree.entries) {
        const entryName = entry.relative ? path.posix.join(name, entry.relative) : name;
        if (entry.kind === 'directory') this.addDirectory(entryName, entry.mode);
        else if (entry.kind === 'symlink') this.entries.push({ kind: 'symlink', name: entryName, target: entry.target });
        else this.entries.push({ kind: 'host-file', name: entryName, hostPath: entry.hostPath, mode: entry.mode, size: entry.size, mtime: entry.mtime });
      }
    } else if (stat.isFile()) {
      this.entries.push({ kind: 'host-file', name, hostPath, mode: stat.mode & KEPT_MODE, size: stat.size, mtime: stat.mtime });
    }
    return this;
  }

  /** The newest mtime of the host files in the context, in whole seconds since the epoch (0 when none). */
  newestHostTime(): number {
    const times = this.entries.flatMap((entry) => (entry.kind === 'host-file' ? [entry.mtime.getTime()] : []));
    return Math.floor(Math.max(0, ...times) / 1000);
  }

  /** Host files newer than `epoch` (seconds) get that time in the tar, as reproducible builds clamp them. */
  clampTimes(epoch: number): this {
    this.clamp = new Date(epoch * 1000);
    return this;
  }

  private clamp?: Date;

  /** Names of all entries, for tests and for --emit-context. */
  names(): string[] {
    return this.entries.map((entry) => entry.name);
  }

  /** Each entry's name with its permission bits (links: their target), for tests. */
  modes(): Record<string, number | string> {
    return Object.fromEntries(
      this.entries.map((entry) => [
        entry.name,
        entry.kind === 'symlink' ? `-> ${entry.target}` : entry.kind === 'directory' ? (entry.mode ?? 0o755) : (entry.mode ?? 0o644),
      ]),
    );
  }

  /** Writes the context as a directory tree (--emit-context): what a builder given that directory would see. */
  writeTo(directory: string): void {
    // Directory modes last, deepest first: a read-only directory must not stop its children being written.
    const directoryModes: [string, number][] = [];
    for (const entry of this.entries) {
      const target = path.join(directory, ...entry.name.split('/'));
      mkdirSync(path.dirname(target), { recursive: true });
      switch (entry.kind) {
        case 'directory':
          mkdirSync(target, { recursive: true });
          directoryModes.push([target, entry.mode ?? 0o755]);
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
    for (const [target, mode] of directoryModes.reverse()) chmodSync(target, mode);
  }

  toStream(): Readable {
    const pack = tar.pack();
    // By name: a parent sorts before its children, and the order never depends on how the context was assembled.
    const entries = [...this.entries].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    const clamp = this.clamp;
    const next = (): void => {
      const entry = entries.shift();
      if (!entry) {
        pack.finalize();
        return;
      }
      const header = { name: entry.name, mtime: FIXED_TIME, uid: 0, gid: 0, uname: '', gname: '' };
      switch (entry.kind) {
        case 'file':
          pack.entry({ ...header, mode: entry.mode }, entry.content, (error) => (error ? pack.destroy(error) : next()));
          break;
        case 'directory':
          pack.entry({ ...header, type: 'directory', mode: entry.mode ?? 0o755 }, (error) => (error ? pack.destroy(error) : next()));
          break;
        case 'symlink':
          pack.entry({ ...header, type: 'symlink', linkname: entry.target }, (error) => (error ? pack.destroy(error) : next()));
          break;
        case 'host-file': {
          const mtime = clamp && entry.mtime > clamp ? clamp : entry.mtime;
          const sink = pack.entry({ ...header, mode: entry.mode, size: entry.size, mtime }, (error) => (error ? pack.destroy(error) : next()));
          createReadStream(entry.hostPath)
            .on('error', (error) => pack.destroy(error))
            .pipe(sink);
          break;
        }
      }
    };
    next();
    return pack as unknown as Readable;
  }
}
