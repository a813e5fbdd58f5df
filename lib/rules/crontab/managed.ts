// Job lines that configuration management owns: Ansible's cron module writes `#Ansible: NAME`
// right above each line it manages, Puppet `# Puppet Name: NAME`, Chef `# Chef Name: NAME`. The
// tool puts its own line back at its next run, so a change belongs in the tool's source. Pure.

import type { ParsedCrontab } from './parse.ts';

/** The tool that owns a job line, as its marker says. */
export interface ManagedBy {
  tool: 'Ansible' | 'Puppet' | 'Chef';
  /** The marker line as written (`#Ansible: backup`). */
  marker: string;
  /** The entry's name in the tool (`backup`). */
  name: string;
  /** Where the line is declared: playbook, manifest or recipe. */
  source: string;
}

const MARKERS: Array<{ re: RegExp; tool: ManagedBy['tool']; source: string }> = [
  { re: /^#Ansible: ?(.*)$/, tool: 'Ansible', source: 'playbook' },
  { re: /^# Puppet Name: ?(.*)$/, tool: 'Puppet', source: 'manifest' },
  { re: /^# Chef Name: ?(.*)$/, tool: 'Chef', source: 'recipe' },
];

/** Who manages the line numbered `line` (1-based) of `parsed`: the marker on the line right above it, or null. */
export function managedBy(parsed: ParsedCrontab, line: number): ManagedBy | null {
  const above = parsed.lines[line - 2];
  if (above?.kind !== 'comment') return null;
  const marker = above.raw.replace(/\r$/, '');
  for (const m of MARKERS) {
    const found = m.re.exec(marker);
    if (found) return { tool: m.tool, marker, name: found[1]!.trim(), source: m.source };
  }
  return null;
}

/**
 * The setting that makes the tool write `command` as the line's command, in the tool's own syntax:
 * Ansible's `job: "…"` (a YAML double-quoted string, marked `!unsafe` when Jinja would read
 * `{{`, `{%` or `{#` in it), Puppet's `command => '…'`, Chef's `command '…'`.
 */
export function commandSetting(by: ManagedBy, command: string): string {
  if (by.tool === 'Ansible') return `job: ${/\{[{%#]/.test(command) ? '!unsafe ' : ''}${JSON.stringify(command)}`;
  const quoted = `'${command.replace(/[\\']/g, (c) => `\\${c}`)}'`;
  return by.tool === 'Puppet' ? `command => ${quoted}` : `command ${quoted}`;
}
