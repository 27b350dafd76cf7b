/** How a benchmark reports: a markdown table on stdout and bench/results/NAME.json. */
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ROOT } from '../test/helpers/paths.js';

export function machineDescription(): string {
  return `${os.cpus().length} x ${os.cpus()[0]?.model ?? 'cpu'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, ${os.platform()} ${os.release()}`;
}

export function report(name: string, caption: string, header: string[], rows: string[][], data: Record<string, unknown>): void {
  const machine = machineDescription();
  console.log([
    `${caption} Machine: ${machine}.`,
    '',
    `| ${header.join(' | ')} |`,
    `| ${header.map(() => '---').join(' | ')} |`,
    ...rows.map((row) => `| ${row.join(' | ')} |`),
  ].join('\n'));
  const out = path.join(ROOT, 'bench', 'results');
  mkdirSync(out, { recursive: true });
  writeFileSync(path.join(out, `${name}.json`), `${JSON.stringify({ date: new Date().toISOString(), machine, ...data }, null, 2)}\n`);
}
