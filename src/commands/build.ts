/** `mwe-image build APP [options]`. */
import type Docker from 'dockerode';
import { buildAppImage } from '../app-image.js';
import { parseApacheSource } from '../apache-source.js';
import { ensureBaseImage } from '../base.js';
import { checkAgainstToolchain } from '../compatibility.js';
import { describeDependencies } from '../dependencies.js';
import { describeDjangoProject } from '../django.js';
import { connectEngine } from '../docker/engine.js';
import { resolveProgressMode } from '../docker/progress.js';
import type { BuildOptions } from '../options.js';
import { planBuild, type BuildPlan } from '../plan.js';
import { parseModWsgiSource, resolveModWsgiSource } from '../mod-wsgi-source.js';
import { indexConfig, redactUrl, type IndexConfig } from '../package-index.js';
import { parsePythonSource } from '../python-source.js';
import { ensureToolchain, type Toolchain, type ToolchainRequest } from '../toolchain.js';
import { emitContext } from '../emit-context.js';
import { SBOM_PATH, telemetryUiPublished } from '../render.js';
import { readImagePath } from '../docker/image-files.js';
import { writeFileSync } from 'node:fs';
import { shellQuote } from '../shell-quote.js';

/** The command line as recorded in the generated config: one line, shell-quoted, no URL credentials. */
export function recordedCommandLine(argv: string[]): string {
  // How progress is shown is not part of the image: the same build from a terminal and from CI gives the same image.
  const shown = argv.filter((arg, index) => !arg.startsWith('--progress=') && arg !== '--progress' && argv[index - 1] !== '--progress');
  return ['mwe-image', ...shown].map((arg) => shellQuote(redactUrl(arg))).join(' ').replace(/[\u0000-\u001f\u007f]/g, '?');
}

/** Engine, base image and the toolchain the options select, checked against the options. */
export async function prepareToolchain(options: BuildOptions, progress: (line: string) => void, index = indexConfig(options)): Promise<{ docker: Docker; toolchain: Toolchain; request: ToolchainRequest }> {
  const docker = await connectEngine();
  const baseImageId = await ensureBaseImage(docker, options.baseImage, progress);
  // An offline build's wheel directory may hold the mod_wsgi sdist too.
  const modWsgiIndex: IndexConfig = options.wheelDir ? { ...index, findLinks: [...index.findLinks, options.wheelDir] } : index;
  const request = {
    baseImage: options.baseImage,
    baseImageId,
    modWsgi: await resolveModWsgiSource(parseModWsgiSource(options.modWsgi), modWsgiIndex, progress),
    python: parsePythonSource(options.python, options.pythonFrom),
    apache: parseApacheSource(options.apache),
    prefix: options.toolchainPrefix,
  };
  const toolchain = await ensureToolchain(docker, request, progress, false, resolveProgressMode(options.progress, options.quiet));
  checkAgainstToolchain(options, toolchain.facts);
  return { docker, toolchain, request };
}

/** One warning line naming every file left out of the image as a likely secret. */
export function leftOutWarning(plan: BuildPlan): string | undefined {
  if (!plan.leftOut.length) return undefined;
  return `Warning: left out of the image as likely secrets: ${plan.leftOut.join(', ')}; a !NAME line in that directory's .dockerignore brings one back`;
}

/** Everything up to the app image: the plan (usage errors before the engine is touched), then the toolchain. */
export async function prepareBuild(app: string, options: BuildOptions, progress: (line: string) => void): Promise<{ docker: Docker; plan: BuildPlan; toolchain: Toolchain; request: ToolchainRequest }> {
  // Read once (pip config is a subprocess): the dependencies stage and the mod_wsgi download share it.
  const index = indexConfig(options);
  const plan = planBuild(app, options, index);
  const warning = leftOutWarning(plan);
  if (warning) progress(warning);
  return { plan, ...(await prepareToolchain(options, progress, index)) };
}

/** Builds the app image (layer cache makes an unchanged rebuild quick). */
export async function buildApp(app: string, options: BuildOptions, argv: string[], progress?: (line: string) => void) {
  const report = progress ?? (() => undefined);
  const { docker, plan, toolchain } = await prepareBuild(app, options, report);
  if (plan.dependencies) report(describeDependencies(plan.dependencies));
  if (plan.django) report(describeDjangoProject(plan.django, plan.django.addedPackage));
  if (telemetryUiPublished(options)) {
    report(`Warning: --telemetry-ui-host ${options.telemetryUiHost}: the telemetry UI (no authentication) answers anyone who reaches port ${options.telemetryUiPort}; publish it on 127.0.0.1 only (docker run -p 127.0.0.1:${options.telemetryUiPort}:${options.telemetryUiPort}) or keep the default 127.0.0.1`);
  }
  report(`Building ${plan.tag} on ${toolchain.tag} (mod_wsgi ${toolchain.facts.modWsgiVersion}, Python ${toolchain.facts.pythonVersion}, Apache ${toolchain.facts.apacheVersion})`);
  const result = await buildAppImage(docker, plan, toolchain, recordedCommandLine(argv), progress, resolveProgressMode(options.progress, options.quiet));
  return { docker, plan, toolchain, result };
}

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
