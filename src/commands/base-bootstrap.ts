/** `mwe-image base bootstrap [--suite S] [--tag T] [--mirror URL]`. */
import { bootstrapBaseImage, type BootstrapRequest } from '../base.js';
import { connectEngine } from '../docker/engine.js';
import * as check from '../validate.js';

export async function runBaseBootstrap(request: BootstrapRequest, progress: (line: string) => void): Promise<number> {
  check.imageReference(request.tag, '--tag');
  check.singleLine(request.mirror, '--mirror');
  const docker = await connectEngine();
  const imageId = await bootstrapBaseImage(docker, request, progress);
  process.stdout.write(`${request.tag} ${imageId}\n`);
  return 0;
}
