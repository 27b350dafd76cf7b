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
  if (options.freeThreading) {
    if (!facts.pythonFreeThreaded) {
      throw new UsageError(`--free-threading: Python ${facts.pythonVersion} in this toolchain is not a free-threaded build (configured without --disable-gil); build on a free-threaded Python or drop --free-threading`);
    }
    if (!facts.directives.includes('WSGIFreeThreading')) {
      throw new UsageError(`--free-threading: ${module} has no WSGIFreeThreading directive; use a mod_wsgi that has it or drop --free-threading`);
    }
  }
  if (wantsTelemetry(options) && !facts.directives.includes('WSGITelemetryService')) {
    throw new UsageError(`--enable-telemetry/--telemetry-service: ${module} has no telemetry support (no WSGITelemetryService directive); use a mod_wsgi built with telemetry or drop the telemetry options`);
  }
  if (options.telemetryOptions.length && !facts.directives.includes('WSGITelemetryOptions')) {
    throw new UsageError(`--telemetry-options: ${module} has no WSGITelemetryOptions directive; drop --telemetry-options`);
  }
  if (options.pythonWarnings.length && !facts.directives.includes('WSGIPythonWarnings')) {
    throw new UsageError(`--python-warnings: ${module} has no WSGIPythonWarnings directive; set PYTHONWARNINGS with --envvars-script instead`);
  }
}
