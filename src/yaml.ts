/**
 * A YAML writer for the manifests `mwe-image manifest` prints: block mappings
 * and sequences of strings, numbers, booleans and nested values, nothing else
 * (no anchors, tags or multi-line scalars). Any string that a YAML 1.1 or 1.2
 * reader could take for something other than that string (a number, a
 * boolean, `null`, a port pair read as base 60, anything with `#`, `: `,
 * quotes or a leading indicator) is written double-quoted in JSON's syntax,
 * which is valid YAML.
 */

export type YamlValue = string | number | boolean | YamlValue[] | { [key: string]: YamlValue };

/** Plain (unquoted) only when it starts with a letter, `/` or `_` and has no character YAML reads specially. */
const PLAIN = /^[A-Za-z_/][A-Za-z0-9_./:-]*$/;
/** Words YAML 1.1 reads as booleans or null. */
const RESERVED = /^(y|n|yes|no|on|off|true|false|null|~)$/i;

export function yamlScalar(value: string | number | boolean): string {
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new Error(`cannot write ${value} as YAML`);
    return String(value);
  }
  if (typeof value === 'boolean') return String(value);
  return PLAIN.test(value) && !RESERVED.test(value) && !value.endsWith(':') ? value : JSON.stringify(value);
}

function isScalar(value: YamlValue): value is string | number | boolean {
  return typeof value !== 'object';
}

function emptyCollection(value: YamlValue): string | undefined {
  if (Array.isArray(value)) return value.length ? undefined : '[]';
  if (typeof value === 'object') return Object.keys(value).length ? undefined : '{}';
  return undefined;
}

function key(name: string): string {
  if (!PLAIN.test(name) || RESERVED.test(name) || name.includes(':')) return JSON.stringify(name);
  return name;
}

/** The lines of a value placed after `key:` or `-` at the given indentation. */
function lines(value: YamlValue, indent: string): string[] {
  if (Array.isArray(value)) {
    return value.flatMap((item) => {
      if (isScalar(item) || emptyCollection(item)) return [`${indent}- ${isScalar(item) ? yamlScalar(item) : emptyCollection(item)}`];
      // The item's first line shares the dash; the rest line up under it.
      const [first, ...rest] = lines(item, `${indent}  `);
      return [`${indent}- ${first.trimStart()}`, ...rest];
    });
  }
  if (typeof value === 'object') {
    return Object.entries(value).flatMap(([name, item]) => {
      if (isScalar(item) || emptyCollection(item)) return [`${indent}${key(name)}: ${isScalar(item) ? yamlScalar(item) : emptyCollection(item)}`];
      return [`${indent}${key(name)}:`, ...lines(item, `${indent}  `)];
    });
  }
  return [`${indent}${yamlScalar(value)}`];
}

/** One YAML document (a mapping) as text, ending in a newline. */
export function yamlDocument(value: { [key: string]: YamlValue }): string {
  return `${lines(value, '').join('\n')}\n`;
}

/** `# ` comment lines, one per line of text. */
export function yamlComment(text: string): string {
  return (
    text
      .split('\n')
      .map((line) => (line ? `# ${line}` : '#'))
      .join('\n') + '\n'
  );
}
