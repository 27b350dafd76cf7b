/** Renders the option reference (docs/options.md) from the option table. */
import { OPTION_ALIASES, OPTION_SPECS, metavarText, type OptionSpec } from './options.js';

const GROUP_TITLES: Record<OptionSpec['group'], string> = {
  image: 'Image and toolchain',
  server: 'Server',
  application: 'Application',
  static: 'Static files',
  handlers: 'Handlers and CGI',
  vhost: 'Server name and virtual hosts',
  https: 'HTTPS',
  proxy: 'Reverse proxies',
  auth: 'Authentication and host access',
  groups: 'Process and application groups',
  environment: 'Environment',
  logging: 'Logging',
  custom: 'Custom configuration',
  services: 'Service scripts',
  telemetry: 'Telemetry',
  tuning: 'Reloading and tuning',
};

const cell = (text: string): string => text.replace(/\|/g, '\\|');

export function optionsMarkdown(): string {
  const lines = [
    '# `mwe-image build` options',
    '',
    'Generated from `src/options.ts` by `npm run docs`; do not edit by hand.',
    '',
  ];
  for (const [group, title] of Object.entries(GROUP_TITLES)) {
    lines.push(`## ${title}`, '', '| option | default | meaning |', '| --- | --- | --- |');
    for (const spec of OPTION_SPECS.filter((candidate) => candidate.group === group)) {
      const usage = `\`${[spec.flag, metavarText(spec)].filter(Boolean).join(' ')}\``;
      const fallback = spec.defaultText ? cell(spec.defaultText) : spec.default === undefined || spec.default === false ? '' : `\`${spec.default}\``;
      const commands = !spec.commands ? '' : spec.commands.includes('module') ? 'Also taken by the module commands.' : `Taken by ${spec.commands.join(', ')} only.`;
      const runtime = spec.env ? `Run time: \`${spec.env}\`.` : '';
      const extra = [spec.repeatable ? 'Repeatable.' : '', spec.choices ? `One of: ${spec.choices.join(', ')}.` : '', runtime, commands].filter(Boolean).join(' ');
      lines.push(`| ${usage} | ${fallback} | ${cell(spec.help)}${extra ? ` ${extra}` : ''} |`);
    }
    lines.push('');
  }
  lines.push('## Other spellings', '', '| option | same as |', '| --- | --- |');
  for (const [alias, flag] of Object.entries(OPTION_ALIASES)) lines.push(`| \`${alias}\` | \`${flag}\` |`);
  lines.push('');
  return lines.join('\n');
}

if (process.argv[1]?.endsWith('docs.js')) process.stdout.write(optionsMarkdown());
