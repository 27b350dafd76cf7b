/**
 * Checks of the options against what the toolchain actually built: the
 * Python (free-threaded or not) and the directives the mod_wsgi module knows.
 * Emitting a directive the module does not know would stop Apache, so these
 * options are refused at build time instead, with the reason.
 */
import { UsageError } from './errors.js';
import { wantsTelemetry, type BuildOptions } from './options.js';
import type { ToolchainFacts } from './toolchain-facts.js';

export function checkAgainstToolchain(options: BuildOptions, facts: ToolchainFacts): void {
  const module = `mod_wsgi ${facts.modWsgiVersion}`;
  const built = `${facts.pythonVersion}${facts.pythonFreeThreaded ? 't' : ''}`;
  if (options.python && options.python !== built) {
    throw new UsageError(
      `--python ${options.python}: ${options.baseImage} has Python ${built}; drop --base-image to get the image that ships ${options.python}, or use another base`,
    );
  }
  if (options.freeThreading) {
    if (!facts.pythonFreeThreaded) {
      throw new UsageError(
        `--free-threading: Python ${facts.pythonVersion} in this toolchain is not a free-threaded build (configured without --disable-gil); build on a free-threaded Python or drop --free-threading`,
      );
    }
    // Without WSGIFreeThreading the image sets PYTHON_GIL=0 (see renderDockerfile).
  }
  // Directive names as mod_wsgi 6 registers them (its docs: WSGITelemetryService, WSGISlowRequests, WSGITelemetryOptions).
  const needs: [boolean, string, string][] = [
    [wantsTelemetry(options), options.enableTelemetry ? '--enable-telemetry' : '--telemetry-service', 'WSGITelemetryService'],
    [options.slowRequests !== undefined, '--slow-requests', 'WSGISlowRequests'],
    [options.telemetryOptions.length > 0, '--telemetry-options', 'WSGITelemetryOptions'],
  ];
  for (const [wanted, flag, directive] of needs) {
    if (wanted && !facts.directives.includes(directive)) {
      throw new UsageError(
        `${flag}: ${module} has no ${directive} directive (telemetry came with mod_wsgi 6); build with --mod-wsgi pypi (the default) or drop ${flag}`,
      );
    }
  }
  // WSGIDaemonProcess options of mod_wsgi 6: a value other than express's default needs the module to know it.
  const daemonOptions = facts.daemonOptions ?? [];
  const daemonNeeds: [boolean, string, string][] = [
    [options.interruptTimeout !== 0, '--interrupt-timeout', 'interrupt-timeout'],
    [options.responseFlushDelay !== 5, '--response-flush-delay', 'response-flush-delay'],
    [options.switchInterval !== undefined, '--switch-interval', 'switch-interval'],
  ];
  for (const [wanted, flag, option] of daemonNeeds) {
    if (wanted && !daemonOptions.includes(option)) {
      throw new UsageError(
        `${flag}: ${module} has no ${option} option on WSGIDaemonProcess (it came with mod_wsgi 6); build with --mod-wsgi pypi (the default) or drop ${flag}`,
      );
    }
  }
  if (options.switchInterval !== undefined && !facts.directives.includes('WSGISwitchInterval')) {
    throw new UsageError(
      `--switch-interval: ${module} has no WSGISwitchInterval directive (it came with mod_wsgi 6); build with --mod-wsgi pypi (the default) or drop --switch-interval`,
    );
  }
  if (options.pythonWarnings.length && !facts.directives.includes('WSGIPythonWarnings')) {
    throw new UsageError(`--python-warnings: ${module} has no WSGIPythonWarnings directive; set PYTHONWARNINGS with --envvars-script instead`);
  }
}
