/**
 * The application image: a runtime stage on the base image that takes the
 * module and entrypoint from a toolchain image and adds config and app.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type Docker from 'dockerode';
import { SLIM_DPKG_CONFIG } from './base.js';
import { PIP_SOURCES_SECRET, stageFiles } from './dependencies.js';
import { buildImage, chooseBuilder, dockerfileFor, type Builder, type BuildResult } from './docker/build-stream.js';
import { ContextBuilder } from './docker/context.js';
import { stampImageTimes } from './docker/image-times.js';
import type { ProgressMode } from './docker/progress.js';
import { UsageError } from './errors.js';
import { IMAGE_PATHS, READINESS, TELEMETRY, TLS_FILES, configDirectory, type BuildPlan, type TlsRole } from './plan.js';
import { imagesDir, packageVersion } from './paths.js';
import {
  checkPathsScript,
  installDependenciesScript,
  loadedModuleFiles,
  renderDockerfile,
  SBOM_PATH,
  renderHandlerScript,
  renderHttpdConf,
  renderAddHandlerScript,
  renderTelemetryScript,
  setupServerScript,
} from './render.js';
import type { Toolchain } from './toolchain.js';

/**
 * SOURCE_DATE_EPOCH when set, else the newest time of the files the context
 * copies from the host (the app's), else 0: what the image's creation label
 * says, so that the same inputs give the same image.
 */
export function sourceDateEpoch(context: ContextBuilder, environment = process.env): number {
  const given = environment.SOURCE_DATE_EPOCH;
  if (given === undefined || given === '') return context.newestHostTime();
  if (!/^\d{1,11}$/.test(given.trim())) {
    throw new UsageError(`SOURCE_DATE_EPOCH: '${given}' is not a number of seconds since 1970-01-01; give one (e.g. $(git log -1 --format=%ct)) or unset it`);
  }
  return Number(given.trim());
}

/**
 * The app image's build context. Its Dockerfile is for `builder`; the
 * default (for --emit-context) builds anywhere, keeping only a secret mount
 * the build cannot do without.
 *
 * `httpdConf`: the configuration already rendered for this plan, when the caller has it.
 */
export function appContext(
  plan: BuildPlan,
  toolchain: Toolchain,
  commandLine: string,
  builder?: Builder,
  httpdConf = renderHttpdConf(plan, toolchain.facts, commandLine),
): ContextBuilder {
  const context = new ContextBuilder();
  context.addFile('dpkg-slim.cfg', `${SLIM_DPKG_CONFIG}\n`);
  const checkPaths = checkPathsScript(plan.options);
  if (checkPaths) context.addFile('check-paths.sh', checkPaths);
  context.addDirectory('assembly');
  // mwe-image's own scripts as content: their files' times (a fresh checkout's) are not the app's.
  for (const script of ['assemble-rootfs.py', 'sbom.py']) context.addFile(`assembly/${script}`, readFileSync(path.join(imagesDir(), 'runtime', script)));
  context.addFile(
    'assembly/modules.txt',
    loadedModuleFiles(plan, toolchain.facts)
      .map((file) => `${file}\n`)
      .join(''),
  );
  context.addFile('assembly/system-packages.txt', plan.options.systemPackages.map((name) => `${name}\n`).join(''));
  context.addDirectory('config');
  context.addFile('config/httpd.conf', httpdConf);
  context.addFile('config/handler.wsgi', renderHandlerScript(plan));
  if (plan.addHandlers.length) context.addFile('config/add-handler.wsgi', renderAddHandlerScript(plan));
  if (Object.keys(plan.tls).length) context.addDirectory('config/ssl');
  // Read here and written with fixed modes (owner root, group 0 in the image), whatever the host's were.
  for (const [role, hostPath] of Object.entries(plan.tls) as [TlsRole, string][]) {
    context.addFile(`config/${path.posix.relative(IMAGE_PATHS.configDir, TLS_FILES[role].imagePath)}`, readFileSync(hostPath), TLS_FILES[role].mode);
  }
  if (plan.options.enableTelemetry) context.addFile(`config/${path.posix.basename(TELEMETRY.script)}`, renderTelemetryScript(plan));
  const addParents = (name: string): void => {
    const parts = name.split('/');
    for (let depth = 1; depth <= parts.length; depth += 1) context.addDirectory(parts.slice(0, depth).join('/'));
  };
  addParents('rootfs/srv');
  if (plan.dependencies) {
    const { extraRequirements, wheelDir, findLinkDirectories, caBundle } = plan.dependencies;
    context.addDirectory('dependencies');
    context.addFile('dependencies/install-dependencies.sh', installDependenciesScript(), 0o755);
    for (const [name, hostPath] of stageFiles(plan.dependencies)) context.addHostPath(`dependencies/${name}`, hostPath);
    context.addFile('dependencies/extra-requirements.txt', extraRequirements.map((line) => `${line}\n`).join(''));
    context.addDirectory('dependencies/wheels');
    if (wheelDir) context.addHostPath('dependencies/wheels', wheelDir);
    context.addDirectory('dependencies/find-links');
    for (const [index, directory] of findLinkDirectories.entries()) context.addHostPath(`dependencies/find-links/${index}`, directory);
    if (caBundle) context.addHostPath('dependencies/ca-bundle.crt', caBundle);
  }
  addParents('rootfs/usr/local/bin');
  addParents(`rootfs${path.posix.dirname(READINESS.file)}`);
  context.addFile(`rootfs${READINESS.file}`, 'ready\n');
  context.addFile('rootfs/usr/local/bin/setup-server', setupServerScript(), 0o755);
  // Files for the configuration (--include-file, --rewrite-rules, --envvars-script) go with it: the configtest sees them.
  const configDir = configDirectory(plan.options);
  for (const copy of plan.copies) {
    const inConfig = path.posix.relative(configDir, copy.imagePath);
    const name = inConfig.startsWith('..') ? `rootfs${copy.imagePath}` : `config/${inConfig}`;
    addParents(path.posix.dirname(name));
    context.addHostPath(name, copy.hostPath);
  }
  // Apache applies <Directory> only to directories that exist: the mount point must (as mod_wsgi-express makes it).
  if (plan.applicationType !== 'static' && plan.options.mountPoint !== '/') {
    addParents(`rootfs${path.posix.join(plan.documentRoot, plan.options.mountPoint)}`.replace(/\/+$/, ''));
  }
  const epoch = sourceDateEpoch(context);
  if (process.env.SOURCE_DATE_EPOCH) context.clampTimes(epoch);
  const dockerfile = renderDockerfile(plan, toolchain.facts, appLabels(plan, toolchain, epoch), builder ?? 'legacy');
  context.addFile(
    'Dockerfile',
    dockerfileFor(builder ?? 'legacy', dockerfile, (mount) => !builder && mount.startsWith('--mount=type=secret,')),
  );
  return context;
}

/** The build secrets of an app image build: credentialed pip arguments, one a line. */
export function appSecrets(plan: BuildPlan): Map<string, Buffer> {
  const secrets = new Map<string, Buffer>();
  const args = plan.dependencies?.secretSourceArgs;
  if (args) secrets.set(PIP_SOURCES_SECRET, Buffer.from(args.map((arg) => `${arg}\n`).join('')));
  return secrets;
}

/** Tag and build arguments of an app image build (also what --emit-context writes down). */
export function appBuildSettings(plan: BuildPlan, toolchain: Toolchain) {
  return {
    tag: plan.tag,
    buildArgs: {
      TOOLCHAIN_IMAGE: toolchain.tag,
    },
  };
}

/** How an app image build runs: its progress, the httpd.conf already rendered, the layer cache. */
export interface AppBuildRun {
  progress?: (line: string) => void;
  display?: ProgressMode;
  httpdConf?: string;
  /** Ignore BuildKit's layer cache: the build benchmark and the reproducibility test do; the CLI never does. */
  noCache?: boolean;
}

/** The app image's labels, written into its Dockerfile. */
function appLabels(plan: BuildPlan, toolchain: Toolchain, epoch: number): Record<string, string> {
  return {
    'org.opencontainers.image.title': plan.appName,
    'org.opencontainers.image.description': `WSGI application ${plan.entryPoint} served by Apache/mod_wsgi ${toolchain.facts.modWsgiVersion} (Python ${toolchain.facts.pythonVersion})`,
    // Not the wall clock: the same inputs give the same image (SOURCE_DATE_EPOCH or the app's newest file).
    'org.opencontainers.image.created': new Date(epoch * 1000).toISOString(),
    'org.opencontainers.image.base.name': plan.options.baseImage,
    'org.opencontainers.image.vendor': 'mwe-image',
    'org.opencontainers.image.version': packageVersion(),
    'io.mwe-image.toolchain': toolchain.tag,
    'io.mwe-image.mod-wsgi-version': toolchain.facts.modWsgiVersion,
    ...(toolchain.facts.modWsgiPatches?.length ? { 'io.mwe-image.mod-wsgi-patches': toolchain.facts.modWsgiPatches.join(',') } : {}),
    'io.mwe-image.port': String(plan.options.port),
    ...(plan.options.httpsPort === undefined ? {} : { 'io.mwe-image.https-port': String(plan.options.httpsPort) }),
    'io.mwe-image.config': `${configDirectory(plan.options)}/httpd.conf`,
    'io.mwe-image.sbom': SBOM_PATH,
  };
}

export async function buildAppImage(
  docker: Docker,
  plan: BuildPlan,
  toolchain: Toolchain,
  commandLine: string,
  { progress, display = 'plain', httpdConf, noCache = false }: AppBuildRun = {},
): Promise<BuildResult> {
  const builder = await chooseBuilder(docker, progress);
  const context = appContext(plan, toolchain, commandLine, builder, httpdConf);
  const settings = appBuildSettings(plan, toolchain);
  const epoch = sourceDateEpoch(context);
  // BuildKit 0.11 and later stamp history and layers with it; older ones ignore an undeclared argument.
  const buildArgs: Record<string, string> = builder === 'buildkit' ? { ...settings.buildArgs, SOURCE_DATE_EPOCH: String(epoch) } : settings.buildArgs;
  const result = await buildImage(docker, {
    context: context.toStream(),
    ...settings,
    buildArgs,
    progress,
    display,
    builder,
    network: plan.options.buildNetwork,
    secrets: appSecrets(plan),
    noCache,
  });
  if (builder !== 'buildkit') return result;
  return { ...result, imageId: await stampImageTimes(docker, result.imageId, settings.tag, epoch, progress) };
}
