/** `mwe-image toolchain list` and `mwe-image toolchain prune [--dry-run]`. */
import type Docker from 'dockerode';
import { connectEngine } from '../docker/engine.js';
import { readImagePath } from '../docker/image-files.js';
import { TOOLCHAIN_FACTS_PATH, type ToolchainFacts } from '../toolchain-facts.js';
import { toolchainRepository } from '../toolchain.js';

interface ToolchainEntry {
  tag: string;
  id: string;
  size: number;
  created: number;
  base: string;
  source: string;
  apacheSource: string;
  facts?: ToolchainFacts;
  /** App images built on it. */
  usedBy: string[];
}

/** The toolchains under one prefix (--toolchain-prefix, MWE_TOOLCHAIN_PREFIX or mwe-image). */
async function toolchains(docker: Docker, prefix?: string): Promise<ToolchainEntry[]> {
  const repository = toolchainRepository(prefix);
  const images = await docker.listImages({ filters: { label: ['io.mwe-image.kind=toolchain'] } });
  const apps = await docker.listImages({ filters: { label: ['io.mwe-image.toolchain'] } });
  const entries: ToolchainEntry[] = [];
  for (const image of images) {
    for (const tag of (image.RepoTags ?? []).filter((name) => name.startsWith(`${repository}:`))) {
      const [file] = await readImagePath(docker, image.Id, TOOLCHAIN_FACTS_PATH).catch(() => []);
      entries.push({
        tag,
        id: image.Id,
        size: image.Size,
        created: image.Created,
        base: image.Labels?.['io.mwe-image.base'] ?? '?',
        source: image.Labels?.['io.mwe-image.mod-wsgi-source'] ?? '?',
        apacheSource: image.Labels?.['io.mwe-image.apache-source'] ?? 'distro',
        facts: file ? (JSON.parse(file.content.toString('utf8')) as ToolchainFacts) : undefined,
        usedBy: apps.filter((app) => app.Labels?.['io.mwe-image.toolchain'] === tag).flatMap((app) => app.RepoTags ?? [app.Id.slice(7, 19)]),
      });
    }
  }
  return entries.sort((a, b) => b.created - a.created);
}

const megabytes = (bytes: number): string => `${(bytes / 2 ** 20).toFixed(0)} MB`;

export async function runToolchainList(prefix?: string): Promise<number> {
  const docker = await connectEngine();
  const rows = (await toolchains(docker, prefix)).map((entry) => [
    entry.tag,
    entry.base,
    entry.facts ? `Python ${entry.facts.pythonVersion}${entry.facts.pythonFreeThreaded ? 't' : ''}` : '?',
    entry.facts ? `Apache ${entry.facts.apacheVersion}${entry.facts.apacheFrom === 'source' ? ` (${entry.apacheSource})` : ''}` : '?',
    entry.facts ? `mod_wsgi ${entry.facts.modWsgiVersion} (${entry.source})` : entry.source,
    megabytes(entry.size),
    `${entry.usedBy.length} app image${entry.usedBy.length === 1 ? '' : 's'}`,
  ]);
  if (!rows.length) {
    process.stdout.write('no toolchain images; mwe-image build makes one\n');
    return 0;
  }
  const widths = rows[0].map((_, column) => Math.max(...rows.map((row) => row[column].length)));
  for (const row of rows)
    process.stdout.write(
      `${row
        .map((cell, column) => cell.padEnd(widths[column]))
        .join('  ')
        .trimEnd()}\n`,
    );
  return 0;
}

export async function runToolchainPrune(dryRun: boolean, prefix?: string): Promise<number> {
  const docker = await connectEngine();
  const unused = (await toolchains(docker, prefix)).filter((entry) => entry.usedBy.length === 0);
  for (const entry of unused) {
    if (!dryRun) await docker.getImage(entry.tag).remove();
    process.stdout.write(`${dryRun ? 'would remove' : 'removed'} ${entry.tag} (${megabytes(entry.size)})\n`);
  }
  if (!unused.length) process.stdout.write('every toolchain image is used by an app image; nothing to remove\n');
  return 0;
}
