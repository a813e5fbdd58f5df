// Typed errors: each carries the exit code the CLI layer turns it into.

/** An error a user can act on; `exitCode` is what the process should exit with. */
export class HbError extends Error {
  readonly exitCode: number;
  constructor(message: string, exitCode = 2) {
    super(message);
    this.name = 'HbError';
    this.exitCode = exitCode;
  }
}

/** Bad flags, arguments or input on the command line (exit 2). */
export class UsageError extends HbError {
  constructor(message: string) {
    super(message, 2);
    this.name = 'UsageError';
  }
}

/** One problem in a config file, located by key path and, where known, line and column. */
export interface ConfigProblem {
  file: string;
  path: string;
  line?: number;
  col?: number;
  message: string;
}

/** Every problem found in a config file at once (exit 2). */
export class ConfigError extends HbError {
  readonly problems: ConfigProblem[];
  constructor(problems: ConfigProblem[]) {
    super(problems.map(formatProblem).join('\n'), 2);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

/** `file:line:col: key: message`, the shape editors and people both read. */
export function formatProblem(p: ConfigProblem): string {
  const where = p.line ? `${p.file}:${p.line}:${p.col ?? 1}` : p.file;
  return p.path ? `${where}: ${p.path}: ${p.message}` : `${where}: ${p.message}`;
}
