/**
 * The application image: a runtime stage on the base image that takes the
 * module and entrypoint from a toolchain image and adds config and app.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type Docker from 'dockerode';
import { SLIM_DPKG_CONFIG } from './base.js';
import { stageFiles } from './dependencies.js';
import { buildImage, type BuildResult } from './docker/build-stream.js';
import { ContextBuilder } from './docker/context.js';
import { IMAGE_PATHS, READINESS, TELEMETRY, TLS_FILES, type BuildPlan, type TlsRole } from './plan.js';
import { packageVersion } from './paths.js';
import { installDependenciesScript, renderDockerfile, renderHandlerScript, renderHttpdConf, renderAddHandlerScript, renderTelemetryScript, setupServerScript } from './render.js';
import type { Toolchain } from './toolchain.js';

/** `httpdConf`: the configuration already rendered for this plan, when the caller has it. */
export function appContext(plan: BuildPlan, toolchain: Toolchain, commandLine: string, httpdConf = renderHttpdConf(plan, toolchain.facts, commandLine)): ContextBuilder {
  const context = new ContextBuilder();
  context.addFile('Dockerfile', renderDockerfile(plan, toolchain.facts, appLabels(plan, toolchain)));
  context.addFile('dpkg-slim.cfg', `${SLIM_DPKG_CONFIG}\n`);
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
  for (const copy of plan.copies) {
    const name = `rootfs${copy.imagePath}`;
    addParents(path.posix.dirname(name));
    context.addHostPath(name, copy.hostPath);
  }
  // Apache applies <Directory> only to directories that exist: the mount point must (as mod_wsgi-express makes it).
  if (plan.applicationType !== 'static' && plan.options.mountPoint !== '/') {
    addParents(`rootfs${path.posix.join(plan.documentRoot, plan.options.mountPoint)}`.replace(/\/+$/, ''));
  }
  return context;
}

/** Tag and build arguments of an app image build (also what --emit-context writes down). */
export function appBuildSettings(plan: BuildPlan, toolchain: Toolchain) {
  return {
    tag: plan.tag,
    buildArgs: {
      TOOLCHAIN_IMAGE: toolchain.tag,
      BASE_IMAGE: plan.options.baseImage,
    },
  };
}

/** The app image's labels, written into its Dockerfile. */
function appLabels(plan: BuildPlan, toolchain: Toolchain): Record<string, string> {
  return {
    'org.opencontainers.image.title': plan.appName,
    'org.opencontainers.image.description': `WSGI application ${plan.entryPoint} served by Apache/mod_wsgi ${toolchain.facts.modWsgiVersion} (Python ${toolchain.facts.pythonVersion})`,
    'org.opencontainers.image.created': new Date().toISOString(),
    'org.opencontainers.image.base.name': plan.options.baseImage,
    'org.opencontainers.image.vendor': 'mwe-image',
    'org.opencontainers.image.version': packageVersion(),
    'io.mwe-image.toolchain': toolchain.tag,
    'io.mwe-image.mod-wsgi-version': toolchain.facts.modWsgiVersion,
    'io.mwe-image.port': String(plan.options.port),
    ...(plan.options.httpsPort === undefined ? {} : { 'io.mwe-image.https-port': String(plan.options.httpsPort) }),
    'io.mwe-image.config': `${IMAGE_PATHS.configDir}/httpd.conf`,
  };
}

export async function buildAppImage(
  docker: Docker,
  plan: BuildPlan,
  toolchain: Toolchain,
  commandLine: string,
  progress?: (line: string) => void,
  httpdConf?: string,
): Promise<BuildResult> {
  return buildImage(docker, {
    context: appContext(plan, toolchain, commandLine, httpdConf).toStream(),
    ...appBuildSettings(plan, toolchain),
    progress,
  });
}
