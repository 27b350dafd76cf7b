/**
 * mwe-image's cache on the host ($XDG_CACHE_HOME/mwe-image, else
 * ~/.cache/mwe-image): downloaded distributions, index pages, the host's pip
 * configuration and what each toolchain image recorded, each kind in its own
 * directory. Records are JSON files written whole (rename), readable by the
 * user only; a record that cannot be read is a miss, never an error.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';

export type CacheKind = 'distributions' | 'index-pages' | 'pip-config' | 'toolchain-facts';

export function userCacheDirectory(kind: CacheKind, environment = process.env): string {
  const base = environment.XDG_CACHE_HOME || path.join(homedir(), '.cache');
  return path.join(base, 'mwe-image', kind);
}

/** The record's file: named by a digest of its key, so no key (a URL with credentials) is written down. */
function recordFile(kind: CacheKind, key: string): string {
  return path.join(userCacheDirectory(kind), `${createHash('sha256').update(key).digest('hex')}.json`);
}

export function readRecord<T>(kind: CacheKind, key: string): T | undefined {
  try {
    return JSON.parse(readFileSync(recordFile(kind, key), 'utf8')) as T;
  } catch {
    return undefined;
  }
}

export function writeRecord(kind: CacheKind, key: string, record: unknown): void {
  const file = recordFile(kind, key);
  try {
    mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    writeFileSync(`${file}.${process.pid}.part`, JSON.stringify(record), { mode: 0o600 });
    renameSync(`${file}.${process.pid}.part`, file);
  } catch {
    // A cache that cannot be written only costs the next run the look-up again.
  }
}
