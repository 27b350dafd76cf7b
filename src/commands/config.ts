/** `mwe-image config APP [options]`: prints the httpd.conf that build would bake in. */
import type { BuildOptions } from '../options.js';
import { renderHttpdConf } from '../render.js';
import { prepareBuild, recordedCommandLine } from './build.js';

export async function runConfig(app: string, options: BuildOptions, argv: string[], progress: (line: string) => void): Promise<number> {
  const { plan, toolchain } = await prepareBuild(app, options, progress);
  process.stdout.write(renderHttpdConf(plan, toolchain.facts, recordedCommandLine(argv)));
  return 0;
}
