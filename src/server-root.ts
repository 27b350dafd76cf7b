/**
 * The server root `mwe-image setup-server` writes on the host: httpd.conf
 * (the image's configuration, to read), envvars (sourced in the container
 * before Apache starts; the user's to edit, never overwritten), server.json
 * (the cached options: image, ports, environment) and apachectl, which hands
 * its action to `mwe-image apachectl` with this server root.
 */
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { IMAGE_PATHS } from './contract.js';
import { shellQuote } from './shell-quote.js';
import { UsageError } from './errors.js';
import { CLI_PATH } from './paths.js';
import type { PublishOptions } from './server-container.js';

export const SERVER_FILE = 'server.json';
/** Where the server root's envvars is mounted in the container. */
export const MOUNTED_ENVVARS = `${IMAGE_PATHS.configDir}/server-root/envvars`;

export interface ServerRecord {
  /** The setup-server command line, as typed. */
  commandLine: string;
  image: string;
  imageId: string;
  port: number;
  /** --https-port: published next to the HTTP port, on the same number (server roots written before it: none). */
  httpsPort?: number;
  stopTimeout: number;
  /** The image's own --envvars-script, sourced before the server root's. */
  imageEnvvars: string;
  publish: PublishOptions;
  /** The container starts as root (a privileged port, or --user/--group to switch to; see startsAsRoot). */
  asRoot?: boolean;
  /** The container's name: --name, else from the tag (server roots written before it: from the path). */
  containerName?: string;
}

/** The container of a server root: the recorded name, or (older server roots) one from its absolute path. */
export function containerName(root: string, record?: ServerRecord): string {
  return record?.containerName ?? `mwe-server-${createHash('sha256').update(path.resolve(root)).digest('hex').slice(0, 12)}`;
}

/** Writes through a temporary file so a reader never sees half a file. */
function replaceFile(file: string, content: string, mode: number): void {
  writeFileSync(`${file}.new`, content, { mode });
  chmodSync(`${file}.new`, mode);
  renameSync(`${file}.new`, file);
}

export function writeServerRoot(root: string, record: ServerRecord, httpdConf: string): { keptEnvvars: boolean } {
  mkdirSync(root, { recursive: true });
  replaceFile(path.join(root, 'httpd.conf'), httpdConf, 0o644);
  // --env values may be secrets: the cached options are readable by their owner only.
  replaceFile(path.join(root, SERVER_FILE), `${JSON.stringify(record, null, 2)}\n`, 0o600);
  const absolute = path.resolve(root);
  replaceFile(
    path.join(root, 'apachectl'),
    [
      '#!/bin/sh',
      `# Written by: ${record.commandLine}`,
      '# Starts, stops and checks the container that serves this server root (through the',
      '# Docker Engine API). The options are cached in server.json; re-run setup-server to change them.',
      `exec ${shellQuote(process.execPath)} ${shellQuote(CLI_PATH)} apachectl --server-root ${shellQuote(absolute)} "$@"`,
      '',
    ].join('\n'),
    0o755,
  );
  const envvars = path.join(root, 'envvars');
  const keptEnvvars = existsSync(envvars);
  if (!keptEnvvars) {
    writeFileSync(
      envvars,
      [
        "# Sourced in the container before Apache starts (after the image's --envvars-script, if any).",
        '# Export what the application reads at import time, e.g.',
        '#   export DATABASE_URL=postgres://...',
        '# setup-server never overwrites this file; apachectl restart applies changes.',
        '',
      ].join('\n'),
      { mode: 0o644 },
    );
  }
  return { keptEnvvars };
}

export function readServerRoot(root: string): ServerRecord {
  const file = path.join(root, SERVER_FILE);
  if (!existsSync(file)) {
    throw new UsageError(`--server-root: '${root}' has no ${SERVER_FILE}; write it with mwe-image setup-server APP --server-root ${root}`);
  }
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as ServerRecord;
  } catch {
    throw new UsageError(`--server-root: ${file} is not readable JSON; re-run mwe-image setup-server to rewrite it`);
  }
}
