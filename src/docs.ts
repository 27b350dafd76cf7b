/** Renders the option reference (docs/options.md) from the option table. */
import { OPTION_ALIASES, OPTION_SPECS, metavarText, type Fidelity, type OptionSpec } from './options.js';

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
  debugging: 'Debugging',
};

const cell = (text: string): string => text.replace(/\|/g, '\\|');

const FIDELITY_TITLES: Record<Fidelity, string> = {
  rendered: 'rendered as mod_wsgi-express 6 renders it',
  adapted: 'container-adapted',
  refused: 'refused',
  own: "mwe-image's own (no mod_wsgi-express option)",
};

/** What becomes of the option in an image, and why (the table's fidelity and why fields). */
export function fidelityText(spec: OptionSpec): string {
  const fidelity = spec.fidelity ?? 'rendered';
  return spec.why ? `${FIDELITY_TITLES[fidelity]}: ${spec.why}` : FIDELITY_TITLES[fidelity];
}

export function optionsMarkdown(): string {
  const lines = [
    '# `mwe-image build` options',
    '',
    'Generated from `src/options.ts` by `npm run docs`; do not edit by hand.',
    '',
    'The last column says what becomes of each mod_wsgi-express 6 option in an image: rendered as',
    'mod_wsgi-express 6 renders it, container-adapted (and how), or refused (the build stops with the',
    "reason and the alternative); the rest are mwe-image's own.",
    '',
  ];
  for (const [group, title] of Object.entries(GROUP_TITLES)) {
    lines.push(`## ${title}`, '', '| option | default | meaning | in an image |', '| --- | --- | --- | --- |');
    for (const spec of OPTION_SPECS.filter((candidate) => candidate.group === group)) {
      const usage = `\`${[spec.flag, metavarText(spec)].filter(Boolean).join(' ')}\``;
      const fallback = spec.defaultText ? cell(spec.defaultText) : spec.default === undefined || spec.default === false ? '' : `\`${spec.default}\``;
      const commands = !spec.commands
        ? ''
        : spec.commands.includes('module')
          ? 'Also taken by the module commands.'
          : `Taken by ${spec.commands.join(', ')} only.`;
      const runtime = spec.env ? `Run time: \`${spec.env}\`.` : '';
      const extra = [spec.repeatable ? 'Repeatable.' : '', spec.choices ? `One of: ${spec.choices.join(', ')}.` : '', runtime, commands]
        .filter(Boolean)
        .join(' ');
      lines.push(`| ${usage} | ${fallback} | ${cell(spec.help)}${extra ? ` ${extra}` : ''} | ${cell(fidelityText(spec))} |`);
    }
    lines.push('');
  }
  lines.push('## Other spellings', '', '| option | same as |', '| --- | --- |');
  for (const [alias, flag] of Object.entries(OPTION_ALIASES)) lines.push(`| \`${alias}\` | \`${flag}\` |`);
  lines.push('');
  return lines.join('\n');
}

if (process.argv[1]?.endsWith('docs.js')) process.stdout.write(optionsMarkdown());
