/** `mwe-image build APP [options]`. */
import { writeFileSync } from 'node:fs';
import type Docker from 'dockerode';
import { readImagePath } from '../docker/image-files.js';
import { emitContext } from '../emit-context.js';
import type { BuildOptions } from '../options.js';
import { buildApp, prepareBuild, recordedCommandLine } from '../pipeline.js';
import { SBOM_PATH } from '../render.js';

/** The SBOM the image carries, copied out of it through the Engine API. */
async function copySbom(docker: Docker, imageId: string, file: string): Promise<void> {
  const [document] = await readImagePath(docker, imageId, SBOM_PATH);
  if (!document) throw new Error(`the image has no ${SBOM_PATH}`);
  writeFileSync(file, document.content);
}

export async function runBuild(app: string, options: BuildOptions, argv: string[], progress: (line: string) => void): Promise<number> {
  if (options.emitContext) {
    const { plan, toolchain, request } = await prepareBuild(app, options, progress);
    const directory = emitContext(options.emitContext, plan, request, toolchain, recordedCommandLine(argv));
    process.stdout.write(`${directory}\n`);
    progress(`Wrote the toolchain and app build contexts to ${directory}; build them with ${directory}/build.sh or the steps in ${directory}/build.json`);
    return 0;
  }
  const started = performance.now();
  // --quiet: no progress; a failing step then reports its output tail itself.
  const { docker, plan, toolchain, result } = await buildApp(app, options, argv, options.quiet ? undefined : progress);
  if (options.sbom) {
    await copySbom(docker, result.imageId, options.sbom);
    if (!options.quiet && !options.json) progress(`Wrote the image's SBOM (CycloneDX 1.5) to ${options.sbom}`);
  }
  if (options.quiet) {
    process.stdout.write(`${result.imageId}\n`);
  } else if (options.json) {
    const image = await docker.getImage(result.imageId).inspect();
    const summary = {
      image: plan.tag,
      id: result.imageId,
      sizeBytes: image.Size,
      toolchain: toolchain.tag,
      toolchainBuilt: toolchain.built,
      python: `${toolchain.facts.pythonVersion}${toolchain.facts.pythonFreeThreaded ? 't' : ''}`,
      apache: toolchain.facts.apacheVersion,
      modWsgi: toolchain.facts.modWsgiVersion,
      port: options.port,
      steps: result.steps.length,
      cachedSteps: result.cachedSteps.length,
      seconds: Number(((performance.now() - started) / 1000).toFixed(1)),
    };
    process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
  } else {
    process.stdout.write(`${plan.tag} ${result.imageId}\n`);
    progress(`Run it with: docker run --rm -p 127.0.0.1:${options.port}:${options.port} ${plan.tag}  (or mwe-image start-server with the same options)`);
  }
  return 0;
}
