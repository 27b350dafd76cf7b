/** `mwe-image manifest IMAGE [--kubernetes|--compose] [--name NAME] [--replicas N] [--output FILE]`. */
import { writeFileSync } from 'node:fs';
import { connectEngine, findImage } from '../docker/engine.js';
import { RuntimeFailure, UsageError } from '../errors.js';
import {
  DEFAULT_REPLICAS,
  checkName,
  checkReplicas,
  composeManifest,
  imageFacts,
  kubernetesManifest,
  nameFromTitle,
  type ManifestOptions,
} from '../manifest.js';
import { shellQuote } from '../shell-quote.js';
import * as check from '../validate.js';

export interface ManifestArguments {
  kubernetes?: boolean;
  compose?: boolean;
  name?: string;
  replicas?: string;
  output?: string;
}

/** The command line written at the top of the manifest: what reproduces it (without --output). */
function commandLine(reference: string, format: string, opts: ManifestArguments): string[] {
  return [
    reference,
    `--${format}`,
    ...(opts.name !== undefined ? ['--name', opts.name] : []),
    ...(opts.replicas !== undefined ? ['--replicas', opts.replicas] : []),
  ].map(shellQuote);
}

export async function runManifest(reference: string, opts: ManifestArguments, progress: (line: string) => void): Promise<number> {
  check.singleLine(reference, 'IMAGE');
  if (/\s/.test(reference) || reference === '') throw new UsageError(`IMAGE: '${reference}' is not an image name or id`);
  if (opts.kubernetes && opts.compose) throw new UsageError('--kubernetes and --compose: give one (the default is --kubernetes)');
  const format = opts.compose ? 'compose' : 'kubernetes';
  if (opts.name !== undefined) checkName(opts.name);
  if (opts.replicas !== undefined && format === 'compose') {
    throw new UsageError('--replicas is for --kubernetes; a compose service publishes one host port (scale it with a load balancer in front)');
  }
  const replicas = opts.replicas !== undefined ? checkReplicas(opts.replicas) : DEFAULT_REPLICAS;
  if (opts.output !== undefined) check.singleLine(opts.output, '--output');

  const docker = await connectEngine();
  const image = await findImage(docker, reference).catch((error: { statusCode?: number; message: string }) => {
    if (error.statusCode === 400)
      throw new UsageError(`IMAGE: '${reference}' is not an image name or id (the engine says: ${error.message.replace(/^.*?- /, '').trim()})`);
    throw error;
  });
  if (!image) throw new RuntimeFailure(`no image '${reference}' in the Docker engine; build it with mwe-image build or pull it`);
  // An id names no image a cluster can pull: the first tag does.
  const byId = image.Id === reference || image.Id.startsWith(`sha256:${reference}`) || image.Id.startsWith(reference);
  const named = byId && image.RepoTags?.length ? image.RepoTags[0] : reference;
  const facts = imageFacts(named, image.Config);
  const options: ManifestOptions = { format, name: opts.name ?? nameFromTitle(facts.title), replicas };
  const argv = commandLine(named, format, opts);
  const text = format === 'kubernetes' ? kubernetesManifest(facts, options, argv) : composeManifest(facts, options, argv);
  if (opts.output === undefined) {
    process.stdout.write(text);
    return 0;
  }
  try {
    writeFileSync(opts.output, text);
  } catch (error) {
    throw new RuntimeFailure(`--output: cannot write '${opts.output}': ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  progress(`wrote ${opts.output}: ${format === 'kubernetes' ? 'Deployment and Service' : 'compose service'} '${options.name}' for ${named}`);
  return 0;
}
