/**
 * The build pipeline every command that builds shares: options -> plan
 * (usage errors before the engine is asked) -> toolchain -> rendered config
 * -> app image. `build`, `config`, `start-server`, `setup-server` and the
 * module commands (toolchain only) are thin callers of it.
 */
import type Docker from 'dockerode';
import { buildAppImage } from './app-image.js';
import { parseApacheSource } from './apache-source.js';
import { ensureBaseImage } from './base.js';
import { checkAgainstToolchain } from './compatibility.js';
import { describeDependencies } from './dependencies.js';
import { describeDjangoProject } from './django.js';
import { connectEngine } from './docker/engine.js';
import { resolveProgressMode } from './docker/progress.js';
import type { BuildOptions } from './options.js';
import { planBuild, type BuildPlan } from './plan.js';
import { parseModWsgiSource, resolveModWsgiSource } from './mod-wsgi-source.js';
import { indexConfig, redactUrl, type IndexConfig } from './package-index.js';
import { parsePythonSource } from './python-source.js';
import { ensureToolchain, type Toolchain, type ToolchainRequest } from './toolchain.js';
import { renderHttpdConf, telemetryUiPublished } from './render.js';
import { shellQuote } from './shell-quote.js';

/** The command line as recorded in the generated config: one line, shell-quoted, no URL credentials. */
export function recordedCommandLine(argv: string[]): string {
  // How progress is shown is not part of the image: the same build from a terminal and from CI gives the same image.
  const shown = argv.filter((arg, index) => !arg.startsWith('--progress=') && arg !== '--progress' && argv[index - 1] !== '--progress');
  return ['mwe-image', ...shown]
    .map((arg) => shellQuote(redactUrl(arg)))
    .join(' ')
    .replace(/[\u0000-\u001f\u007f]/g, '?');
}

/** Engine, base image and the toolchain the options select, checked against the options. */
export async function prepareToolchain(
  options: BuildOptions,
  progress: (line: string) => void,
  index = indexConfig(options),
): Promise<{ docker: Docker; toolchain: Toolchain; request: ToolchainRequest }> {
  const docker = await connectEngine();
  const baseImageId = await ensureBaseImage(docker, options.baseImage, progress);
  // An offline build's wheel directory may hold the mod_wsgi sdist too.
  const modWsgiIndex: IndexConfig = options.wheelDir ? { ...index, findLinks: [...index.findLinks, options.wheelDir] } : index;
  const request = {
    baseImage: options.baseImage,
    baseImageId,
    modWsgi: await resolveModWsgiSource(parseModWsgiSource(options.modWsgi), modWsgiIndex, progress),
    python: parsePythonSource(options.python, options.pythonFrom, options.pythonPgo),
    apache: parseApacheSource(options.apache),
    prefix: options.toolchainPrefix,
  };
  const toolchain = await ensureToolchain(docker, request, progress, resolveProgressMode(options.progress, options.quiet));
  checkAgainstToolchain(options, toolchain.facts);
  return { docker, toolchain, request };
}

/** One warning line naming every file left out of the image as a likely secret. */
export function leftOutWarning(plan: BuildPlan): string | undefined {
  if (!plan.leftOut.length) return undefined;
  return `Warning: left out of the image as likely secrets: ${plan.leftOut.join(', ')}; a !NAME line in that directory's .dockerignore brings one back`;
}

/** Everything up to the app image: the plan (usage errors before the engine is touched), then the toolchain. */
export async function prepareBuild(
  app: string,
  options: BuildOptions,
  progress: (line: string) => void,
): Promise<{ docker: Docker; plan: BuildPlan; toolchain: Toolchain; request: ToolchainRequest }> {
  // Read once (pip config is a subprocess): the dependencies stage and the mod_wsgi download share it.
  const index = indexConfig(options);
  const plan = planBuild(app, options, index);
  const warning = leftOutWarning(plan);
  if (warning) progress(warning);
  return { plan, ...(await prepareToolchain(options, progress, index)) };
}

/** The generated httpd.conf for a plan on a toolchain, as the image will hold it. */
export function renderConfig(plan: BuildPlan, toolchain: Toolchain, argv: string[]): string {
  return renderHttpdConf(plan, toolchain.facts, recordedCommandLine(argv));
}

/**
 * Builds the app image (layer cache makes an unchanged rebuild quick); also
 * returns the httpd.conf it rendered into it.
 */
export async function buildApp(app: string, options: BuildOptions, argv: string[], progress?: (line: string) => void) {
  const report = progress ?? (() => undefined);
  const { docker, plan, toolchain } = await prepareBuild(app, options, report);
  if (plan.dependencies) report(describeDependencies(plan.dependencies));
  if (plan.django) report(describeDjangoProject(plan.django, plan.django.addedPackage));
  if (telemetryUiPublished(options)) {
    report(
      `Warning: --telemetry-ui-host ${options.telemetryUiHost}: the telemetry UI (no authentication) answers anyone who reaches port ${options.telemetryUiPort}; publish it on 127.0.0.1 only (docker run -p 127.0.0.1:${options.telemetryUiPort}:${options.telemetryUiPort}) or keep the default 127.0.0.1`,
    );
  }
  report(
    `Building ${plan.tag} on ${toolchain.tag} (mod_wsgi ${toolchain.facts.modWsgiVersion}, Python ${toolchain.facts.pythonVersion}, Apache ${toolchain.facts.apacheVersion})`,
  );
  const httpdConf = renderConfig(plan, toolchain, argv);
  const result = await buildAppImage(docker, plan, toolchain, recordedCommandLine(argv), {
    progress,
    display: resolveProgressMode(options.progress, options.quiet),
    httpdConf,
  });
  return { docker, plan, toolchain, result, httpdConf };
}
