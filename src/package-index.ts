/**
 * Python package indexes as pip sees them from this host: where to look
 * (--index-url, --extra-index-url, --find-links, --trusted-host, then pip's
 * PIP_* environment variables, then `pip config`), and the look-up of one
 * project's source distributions through the Simple API (PEP 503 HTML or
 * PEP 691 JSON) or a local directory. The host resolves and downloads, so a
 * build works whether or not containers reach the index themselves.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import path from 'node:path';
import { rootCertificates } from 'node:tls';
import { RuntimeFailure } from './errors.js';
import { readRecord, userCacheDirectory, writeRecord } from './host-cache.js';
import { hostPipConfig, type PipConfig } from './pip-config.js';

export const DEFAULT_INDEX_URL = 'https://pypi.org/simple/';

export interface IndexConfig {
  indexUrl: string;
  extraIndexUrls: string[];
  /** http(s) pages or host directories holding distributions. */
  findLinks: string[];
  trustedHosts: string[];
  noIndex: boolean;
  /** CA bundle pip verifies the index with (PIP_CERT, pip config cert, REQUESTS_CA_BUNDLE, SSL_CERT_FILE). */
  caBundle?: string;
}

export interface IndexOptions {
  indexUrl?: string;
  extraIndexUrls?: string[];
  findLinks?: string[];
  trustedHosts?: string[];
}

const split = (value: string | undefined): string[] => (value ?? '').split(/\s+/).filter(Boolean);

/** Flags first, then the caller's PIP_* variables, then the host's pip configuration: pip's own order. */
export function indexConfig(options: IndexOptions, env: NodeJS.ProcessEnv = process.env, readPipConfig: () => PipConfig = hostPipConfig): IndexConfig {
  let fileConfig: Record<string, string> | undefined;
  const fromFile = (key: string): string | undefined => {
    fileConfig ??= readPipConfig();
    return fileConfig[`global.${key}`] ?? fileConfig[`install.${key}`] ?? fileConfig[`download.${key}`];
  };
  const list = (given: string[] | undefined, variable: string, key: string): string[] => (given?.length ? given : split(env[variable] ?? fromFile(key)));
  const noIndex = /^(1|true|yes|on)$/i.test(env.PIP_NO_INDEX ?? fromFile('no-index') ?? '');
  const caBundle = [env.PIP_CERT, fromFile('cert'), env.REQUESTS_CA_BUNDLE, env.SSL_CERT_FILE].find((file) => file && existsSync(file));
  return {
    indexUrl: options.indexUrl ?? env.PIP_INDEX_URL ?? fromFile('index-url') ?? DEFAULT_INDEX_URL,
    extraIndexUrls: list(options.extraIndexUrls, 'PIP_EXTRA_INDEX_URL', 'extra-index-url'),
    findLinks: list(options.findLinks, 'PIP_FIND_LINKS', 'find-links'),
    trustedHosts: list(options.trustedHosts, 'PIP_TRUSTED_HOST', 'trusted-host'),
    noIndex,
    caBundle,
  };
}

const URL_CREDENTIALS = /(https?:\/\/)[^/@\s]*@/gi;

/** Text as it may be shown or recorded: the user name and password of every http(s) URL in it replaced by ***. */
export function redactUrl(text: string): string {
  return text.replace(URL_CREDENTIALS, '$1***@');
}

/** PEP 503 project name normalisation. */
export function normalizeName(name: string): string {
  return name.toLowerCase().replace(/[-_.]+/g, '-');
}

export interface Distribution {
  filename: string;
  version: string;
  /** http(s) URL or host file path. */
  location: string;
  sha256?: string;
}

const SDIST = /^(.+?)-(\d+(?:\.\d+)*(?:(?:a|b|rc)\d+)?(?:\.post\d+)?(?:\.dev\d+)?)\.tar\.gz$/;

/** The version of a project's source distribution file name, or undefined for another file. */
export function sdistVersion(filename: string, project: string): string | undefined {
  const match = SDIST.exec(filename);
  return match && normalizeName(match[1]) === normalizeName(project) ? match[2] : undefined;
}

const isPrerelease = (version: string): boolean => /(a|b|rc|dev)\d+/.test(version);

/** Orders versions numerically (6.0.10 after 6.0.9); a pre-release before its release. */
export function compareVersions(a: string, b: string): number {
  const split = (v: string) => {
    const [, release, suffix = ''] = /^([\d.]+)(.*)$/.exec(v) ?? [v, v];
    return {
      release: release.split('.').filter(Boolean).map(Number),
      suffix: suffix
        .split(/[^\d]+/)
        .filter(Boolean)
        .map(Number),
    };
  };
  const [pa, pb] = [split(a), split(b)];
  for (let i = 0; i < Math.max(pa.release.length, pb.release.length); i += 1) {
    const difference = (pa.release[i] ?? 0) - (pb.release[i] ?? 0);
    if (difference) return difference;
  }
  const rank = Number(isPrerelease(a)) - Number(isPrerelease(b));
  if (rank) return -rank;
  return (pa.suffix[0] ?? 0) - (pb.suffix[0] ?? 0);
}

interface Fetched {
  status: number;
  contentType: string;
  cacheControl: string;
  body: Buffer;
  url: string;
}

function trusted(url: URL, config: IndexConfig): boolean {
  return config.trustedHosts.some((host) => host === url.host || host === url.hostname);
}

function get(url: string, config: IndexConfig, accept: string, redirects = 5): Promise<Fetched> {
  const parsed = new URL(url);
  const client = parsed.protocol === 'http:' ? http : https;
  const headers: Record<string, string> = { Accept: accept, 'User-Agent': 'mwe-image' };
  if (parsed.username || parsed.password) {
    headers.Authorization = `Basic ${Buffer.from(`${decodeURIComponent(parsed.username)}:${decodeURIComponent(parsed.password)}`).toString('base64')}`;
  }
  const tlsOptions =
    parsed.protocol === 'https:'
      ? { ca: config.caBundle ? [...rootCertificates, readFileSync(config.caBundle, 'utf8')] : undefined, rejectUnauthorized: !trusted(parsed, config) }
      : {};
  return new Promise((resolve, reject) => {
    const request = client.get(parsed, { headers, timeout: 30000, ...tlsOptions }, (response) => {
      const status = response.statusCode ?? 0;
      if (status >= 300 && status < 400 && response.headers.location && redirects > 0) {
        response.resume();
        resolve(get(new URL(response.headers.location, parsed).toString(), config, accept, redirects - 1));
        return;
      }
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () =>
        resolve({
          status,
          contentType: String(response.headers['content-type'] ?? ''),
          cacheControl: String(response.headers['cache-control'] ?? ''),
          body: Buffer.concat(chunks),
          url: parsed.toString(),
        }),
      );
      response.on('error', reject);
    });
    request.on('timeout', () => request.destroy(new Error('timed out after 30 s')));
    request.on('error', reject);
  });
}

function decodeHtml(text: string): string {
  return text
    .replace(/&amp;/g, '&')
    .replace(/&#x([0-9a-f]+);/gi, (_, hex) => String.fromCharCode(parseInt(hex, 16)))
    .replace(/&#(\d+);/g, (_, dec) => String.fromCharCode(Number(dec)));
}

/** The files a Simple API page (JSON or HTML) or a find-links page lists. */
function filesOfPage(page: Fetched): { filename: string; url: string; sha256?: string; yanked: boolean }[] {
  if (page.contentType.includes('json')) {
    const data = JSON.parse(page.body.toString('utf8')) as { files?: { filename: string; url: string; hashes?: { sha256?: string }; yanked?: unknown }[] };
    return (data.files ?? []).map((file) => ({
      filename: file.filename,
      url: new URL(file.url, page.url).toString(),
      sha256: file.hashes?.sha256,
      yanked: Boolean(file.yanked),
    }));
  }
  const files = [];
  for (const match of page.body.toString('utf8').matchAll(/<a\s([^>]*)>([^<]*)<\/a>/gi)) {
    const href = /href="([^"]*)"/i.exec(match[1]);
    if (!href) continue;
    const url = new URL(decodeHtml(href[1]), page.url);
    const sha256 = /^sha256=([0-9a-f]{64})$/.exec(url.hash.slice(1))?.[1];
    url.hash = '';
    files.push({
      filename: decodeHtml(match[2]).trim() || path.posix.basename(url.pathname),
      url: url.toString(),
      sha256,
      yanked: /data-yanked/i.test(match[1]),
    });
  }
  return files;
}

/** Why a source could not be read, for the one-line error. */
function reason(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  return code ? `${code}` : (error as Error).message;
}

export interface Resolution {
  distribution: Distribution;
  /** Sources that could not be read (the project was found elsewhere). */
  unreachable: string[];
}

/** How long an index page is reused without a max-age of its own: PyPI's own max-age for its Simple API. */
const INDEX_PAGE_MAX_AGE_S = 600;

interface SavedPage {
  savedAt: number;
  maxAgeSeconds: number;
  page: Omit<Fetched, 'body'> & { body: string };
}

/**
 * An index or find-links page, reused from the user's cache while it is
 * fresh (its Cache-Control max-age, else ten minutes) unless `fresh`:
 * every build resolves `--mod-wsgi pypi` and this keeps a warm rebuild off
 * the network. Only 200 answers are kept.
 */
async function getIndexPage(url: string, config: IndexConfig, accept: string, fresh: boolean): Promise<Fetched & { cached: boolean }> {
  const key = `${accept}\n${url}`;
  const saved = fresh ? undefined : readRecord<SavedPage>('index-pages', key);
  if (saved && Date.now() - saved.savedAt < saved.maxAgeSeconds * 1000) {
    return { ...saved.page, body: Buffer.from(saved.page.body, 'base64'), cached: true };
  }
  const page = await get(url, config, accept);
  if (page.status === 200) {
    const maxAge = /(?:^|,)\s*max-age=(\d+)/i.exec(page.cacheControl);
    const noStore = /no-store|no-cache/i.test(page.cacheControl);
    const maxAgeSeconds = noStore ? 0 : maxAge ? Math.min(Number(maxAge[1]), INDEX_PAGE_MAX_AGE_S) : INDEX_PAGE_MAX_AGE_S;
    if (maxAgeSeconds > 0)
      writeRecord('index-pages', key, { savedAt: Date.now(), maxAgeSeconds, page: { ...page, body: page.body.toString('base64') } } satisfies SavedPage);
  }
  return { ...page, cached: false };
}

/**
 * The newest release (or `version`) of `project` as a source distribution,
 * from every index and find-links location in the configuration. Pages
 * come from the cache while fresh; a version they do not list is looked up
 * again on the indexes themselves (it may have been released since).
 */
export async function findSourceDistribution(project: string, version: string | undefined, config: IndexConfig, flag: string): Promise<Resolution> {
  const fromCache = await searchDistributions(project, version, config, false);
  if (fromCache.found || !fromCache.usedCache) return resolution(project, version, config, flag, fromCache);
  return resolution(project, version, config, flag, await searchDistributions(project, version, config, true));
}

interface Search {
  found?: Distribution;
  candidates: Distribution[];
  unreachable: string[];
  usedCache: boolean;
}

async function searchDistributions(project: string, version: string | undefined, config: IndexConfig, fresh: boolean): Promise<Search> {
  const candidates: Distribution[] = [];
  const unreachable: string[] = [];
  let usedCache = false;
  const consider = (filename: string, location: string, sha256?: string, yanked = false) => {
    const found = sdistVersion(filename, project);
    if (!found || (yanked && found !== version)) return;
    candidates.push({ filename, version: found, location, sha256 });
  };
  const read = async (url: string, accept: string) => {
    const page = await getIndexPage(url, config, accept, fresh);
    usedCache ||= page.cached;
    return page;
  };
  for (const link of config.findLinks) {
    if (/^https?:\/\//.test(link)) {
      try {
        const page = await read(link, 'text/html');
        if (page.status !== 200) throw new Error(`HTTP ${page.status}`);
        for (const file of filesOfPage(page)) consider(file.filename, file.url, file.sha256, file.yanked);
      } catch (error) {
        unreachable.push(`${redactUrl(link)} (${reason(error)})`);
      }
      continue;
    }
    const directory = link.replace(/^file:\/\//, '');
    if (!existsSync(directory) || !statSync(directory).isDirectory()) continue; // pip, too, passes over a missing find-links directory
    for (const name of readdirSync(directory)) consider(name, path.join(directory, name));
  }
  for (const index of searchedIndexes(config)) {
    const url = new URL(`${normalizeName(project)}/`, index.endsWith('/') ? index : `${index}/`).toString();
    try {
      const page = await read(url, 'application/vnd.pypi.simple.v1+json, text/html;q=0.1');
      if (page.status === 404) continue;
      if (page.status !== 200) throw new Error(`HTTP ${page.status}`);
      for (const file of filesOfPage(page)) consider(file.filename, file.url, file.sha256, file.yanked);
    } catch (error) {
      unreachable.push(`${redactUrl(index)} (${reason(error)})`);
    }
  }
  const [found] = candidates
    .filter((candidate) => (version ? compareVersions(candidate.version, version) === 0 : !isPrerelease(candidate.version)))
    .sort((a, b) => compareVersions(b.version, a.version) || Number(b.location.startsWith('/')) - Number(a.location.startsWith('/')));
  return { found, candidates, unreachable, usedCache };
}

const searchedIndexes = (config: IndexConfig): string[] => (config.noIndex ? [] : [config.indexUrl, ...config.extraIndexUrls]);

/** The search's distribution, or the one-line failure that says where it looked and the offline way out. */
function resolution(project: string, version: string | undefined, config: IndexConfig, flag: string, search: Search): Resolution {
  const { found, candidates, unreachable } = search;
  if (found) return { distribution: found, unreachable };
  const wanted = version ? `${project}==${version}` : project;
  const offline = `for offline builds put its source tarball (pip download --no-deps --no-binary :all: ${project}) in a directory and give ${flag === '--mod-wsgi' ? '--find-links DIRECTORY' : flag}`;
  if (unreachable.length) {
    throw new RuntimeFailure(`${flag}: cannot reach ${unreachable.join(', ')} to find ${wanted}; check the index URL and the network, or ${offline}`);
  }
  const versions = [...new Set(candidates.map((candidate) => candidate.version))].sort(compareVersions);
  const searched = [...config.findLinks, ...searchedIndexes(config)].map(redactUrl).join(', ') || 'no index (PIP_NO_INDEX) and no --find-links';
  throw new RuntimeFailure(
    `${flag}: no source distribution of ${wanted} in ${searched}${versions.length ? ` (versions there: ${versions.slice(-8).join(' ')})` : ''}; give another version or ${offline}`,
  );
}

/** A local path of the distribution: itself when it is on disk, else downloaded once into the user's cache (checked against its sha256). */
export async function fetchDistribution(distribution: Distribution, config: IndexConfig, flag: string): Promise<string> {
  if (!/^https?:\/\//.test(distribution.location)) return distribution.location;
  const directory = userCacheDirectory('distributions');
  const target = path.join(directory, distribution.filename);
  const digest = (data: Buffer) => createHash('sha256').update(data).digest('hex');
  if (existsSync(target) && (!distribution.sha256 || digest(readFileSync(target)) === distribution.sha256)) return target;
  let fetched: Fetched;
  try {
    fetched = await get(distribution.location, config, '*/*');
  } catch (error) {
    throw new RuntimeFailure(
      `${flag}: downloading ${distribution.filename} from ${redactUrl(distribution.location)} failed (${reason(error)}); try again, or put the file in a directory and give --find-links DIRECTORY`,
    );
  }
  if (fetched.status !== 200) {
    throw new RuntimeFailure(
      `${flag}: downloading ${distribution.filename} from ${redactUrl(distribution.location)} gave HTTP ${fetched.status}; try again, or put the file in a directory and give --find-links DIRECTORY`,
    );
  }
  if (distribution.sha256 && digest(fetched.body) !== distribution.sha256) {
    throw new RuntimeFailure(
      `${flag}: ${distribution.filename} from ${redactUrl(distribution.location)} does not match the index's sha256; the download was damaged or altered, try again`,
    );
  }
  mkdirSync(directory, { recursive: true });
  writeFileSync(`${target}.part`, fetched.body);
  renameSync(`${target}.part`, target);
  return target;
}
