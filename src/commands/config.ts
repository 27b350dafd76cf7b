/** `mwe-image config APP [options]`: prints the httpd.conf that build would bake in. */
import type { BuildOptions } from '../options.js';
import { prepareBuild, renderConfig } from '../pipeline.js';

export async function runConfig(app: string, options: BuildOptions, argv: string[], progress: (line: string) => void): Promise<number> {
  const { plan, toolchain } = await prepareBuild(app, options, progress);
  process.stdout.write(renderConfig(plan, toolchain, argv));
  return 0;
}
