/**
 * The host pip's configuration files, as `pip config list` reads them
 * (key -> value, "global.index-url" -> URL; PIP_* variables left out: the
 * caller reads those itself). Starting pip costs about 0.4 s, so the answer
 * is kept in the user's cache with the files pip named (`pip config debug`)
 * and their modification times: a changed, added or removed file, another
 * environment or directory, or ten minutes' age, and pip is asked again.
 */
import { spawnSync } from 'node:child_process';
import { statSync } from 'node:fs';
import { readRecord, writeRecord } from './host-cache.js';

export type PipConfig = Record<string, string>;

const MAX_AGE_MS = 10 * 60 * 1000;

/** What decides which pip runs and which files it reads, besides the files themselves. */
const SELECTING_VARIABLES = ['PATH', 'HOME', 'VIRTUAL_ENV', 'PYENV_VERSION', 'PIP_CONFIG_FILE', 'XDG_CONFIG_HOME', 'XDG_CONFIG_DIRS'];

interface Record_ {
  savedAt: number;
  /** Each configuration file pip looks at, with its mtime (null: absent). */
  files: [string, number | null][];
  config: PipConfig;
}

function runPip(args: string[], env: NodeJS.ProcessEnv): string | undefined {
  const result = spawnSync('python3', ['-m', 'pip', 'config', ...args], {
    encoding: 'utf8',
    timeout: 15000,
    env: { ...env, PIP_DISABLE_PIP_VERSION_CHECK: '1' },
  });
  return result.status === 0 ? result.stdout : undefined;
}

/** `pip config list` output as key -> value. */
export function parseConfigList(output: string): PipConfig {
  const config: PipConfig = {};
  for (const line of output.split('\n')) {
    const match = /^([\w:.-]+)='(.*)'$/.exec(line.trim());
    if (match && !match[1].startsWith(':env:')) config[match[1]] = match[2];
  }
  return config;
}

/** The configuration files `pip config debug` names, existing or not. */
export function parseConfigFiles(output: string): string[] {
  return [...output.matchAll(/^\s+(\/.*), exists: (?:True|False)$/gm)].map((match) => match[1]);
}

const modified = (file: string): number | null => {
  try {
    return statSync(file).mtimeMs;
  } catch {
    return null;
  }
};

/** The host pip's configuration (empty without pip), from the cache while its files are unchanged. */
export function hostPipConfig(env: NodeJS.ProcessEnv = process.env, now = Date.now()): PipConfig {
  const key = JSON.stringify([process.cwd(), ...SELECTING_VARIABLES.map((name) => env[name] ?? null)]);
  const saved = readRecord<Record_>('pip-config', key);
  if (saved && now - saved.savedAt < MAX_AGE_MS && saved.files.every(([file, mtime]) => modified(file) === mtime)) return saved.config;
  const debug = runPip(['debug'], env);
  const list = runPip(['list'], env);
  if (debug === undefined || list === undefined) return {};
  const config = parseConfigList(list);
  writeRecord('pip-config', key, { savedAt: now, files: parseConfigFiles(debug).map((file) => [file, modified(file)]), config } satisfies Record_);
  return config;
}
