/** `mwe-image build APP [options]`. */
import { buildAppImage } from '../app-image.js';
import { ensureBaseImage } from '../base.js';
import { connectEngine } from '../docker/engine.js';
import type { BuildOptions } from '../options.js';
import { planBuild } from '../plan.js';
import { ensureToolchain } from '../toolchain.js';

/** The command line as recorded in the generated config: one line, shell-quoted. */
export function recordedCommandLine(argv: string[]): string {
  const quote = (word: string): string => (/^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`);
  return ['mwe-image', ...argv].map(quote).join(' ').replace(/[\u0000-\u001f\u007f]/g, '?');
}

export async function runBuild(app: string, options: BuildOptions, argv: string[], progress: (line: string) => void): Promise<number> {
  const plan = planBuild(app, options);
  const docker = await connectEngine();
  const baseImageId = await ensureBaseImage(docker, options.baseImage, progress);
  const toolchain = await ensureToolchain(docker, { baseImage: options.baseImage, baseImageId, modWsgiSource: options.modWsgiSource }, progress);
  progress(`Building ${plan.tag} on ${toolchain.tag} (mod_wsgi ${toolchain.facts.modWsgiVersion}, Python ${toolchain.facts.pythonVersion}, Apache ${toolchain.facts.apacheVersion})`);
  const result = await buildAppImage(docker, plan, toolchain, recordedCommandLine(argv), progress);
  process.stdout.write(`${plan.tag} ${result.imageId}\n`);
  progress(`Run it with: docker run --rm -p 127.0.0.1:${options.port}:${options.port} ${plan.tag}`);
  return 0;
}
