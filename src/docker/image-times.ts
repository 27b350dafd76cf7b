/**
 * Gives a BuildKit-built image fixed times, so that the same layers and
 * settings make the same image ID with or without a layer cache.
 *
 * BuildKit before 0.11 (dockerd 20.10's) stamps each history entry with the
 * time its layer entered the cache, and the image's `created` with the last
 * of them: a build that runs its steps again gets another image ID for the
 * same content. The image's configuration is written again with every time
 * set to the build's epoch (SOURCE_DATE_EPOCH or the app's newest file) and
 * loaded as a configuration-only archive: the engine already holds every
 * layer, so it reads none.
 */
import type Docker from 'dockerode';
import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { RuntimeFailure } from '../errors.js';
import { ContextBuilder } from './context.js';

/** The Dockerfile instructions BuildKit records with a layer of their own; the others only change settings. */
const LAYER_INSTRUCTIONS = /^(RUN|COPY|ADD|WORKDIR)\b/;

interface HistoryEntry {
  CreatedBy: string;
  Comment?: string;
}

export interface ImageSettings {
  Architecture: string;
  Os: string;
  Variant?: string;
  Config: Record<string, unknown>;
  RootFS: { Layers?: string[] };
}

/** The image configuration (as `docker save` holds it) for these settings and history, every time at `epoch`. */
export function stampedConfiguration(image: ImageSettings, newestFirst: HistoryEntry[], epoch: number): string | undefined {
  const created = new Date(epoch * 1000).toISOString();
  const layers = image.RootFS.Layers ?? [];
  const history = [...newestFirst].reverse().map((entry) => ({
    created,
    created_by: entry.CreatedBy,
    ...(entry.Comment ? { comment: entry.Comment } : {}),
    ...(LAYER_INSTRUCTIONS.test(entry.CreatedBy) ? {} : { empty_layer: true }),
  }));
  if (history.filter((entry) => !entry.empty_layer).length !== layers.length) return undefined;
  const settings = Object.fromEntries(Object.entries(image.Config).filter(([, value]) => !isEmpty(value)));
  return JSON.stringify({
    architecture: image.Architecture,
    ...(image.Variant ? { variant: image.Variant } : {}),
    os: image.Os,
    config: settings,
    created,
    history,
    rootfs: { type: 'layers', diff_ids: layers },
  });
}

function isEmpty(value: unknown): boolean {
  if (value === null || value === undefined || value === '' || value === false) return true;
  if (Array.isArray(value)) return value.length === 0;
  return typeof value === 'object' && Object.keys(value as object).length === 0;
}

/**
 * Tags `tag` with the same image at fixed times and removes the image as
 * built; returns the new ID, or the built one (with a notice) when its
 * history does not match its layers.
 */
export async function stampImageTimes(docker: Docker, builtId: string, tag: string, epoch: number, notice?: (line: string) => void): Promise<string> {
  const image = docker.getImage(builtId);
  const [settings, history] = await Promise.all([image.inspect(), image.history() as Promise<HistoryEntry[]>]);
  const configuration = stampedConfiguration(settings as ImageSettings, history, epoch);
  if (!configuration) {
    notice?.(`mwe-image: the image keeps BuildKit's build times (its history does not match its ${settings.RootFS.Layers?.length ?? 0} layers)`);
    return builtId;
  }
  const digest = createHash('sha256').update(configuration).digest('hex');
  const stampedId = `sha256:${digest}`;
  if (stampedId === builtId) return builtId;
  await loadArchive(docker, configurationArchive(configuration, digest, tag, settings.RootFS.Layers ?? []));
  // Untagged now; a container or another tag still using it keeps it.
  await image.remove({ noprune: true }).catch(() => undefined);
  return stampedId;
}

/** A `docker save` archive without the layers' files: the engine reads a layer only when it lacks it. */
function configurationArchive(configuration: string, digest: string, tag: string, layers: string[]): Readable {
  // A load names its tags in full; a build takes a name without one as :latest.
  const reference = tag.lastIndexOf(':') > tag.lastIndexOf('/') ? tag : `${tag}:latest`;
  const manifest = [{ Config: `${digest}.json`, RepoTags: [reference], Layers: layers.map((layer) => `${layer.replace(/^sha256:/, '')}/layer.tar`) }];
  return new ContextBuilder().addFile(`${digest}.json`, configuration).addFile('manifest.json', JSON.stringify(manifest)).toStream();
}

async function loadArchive(docker: Docker, archive: Readable): Promise<void> {
  const response = (await docker.loadImage(archive, { quiet: true })) as unknown as Readable;
  let output = '';
  for await (const chunk of response) output += chunk;
  const failure = output
    .split('\n')
    .filter(Boolean)
    .map((line): { error?: string } => {
      try {
        return JSON.parse(line);
      } catch {
        return {};
      }
    })
    .find((message) => message.error);
  if (failure) throw new RuntimeFailure(`cannot give the image its fixed times: ${failure.error}`);
}
