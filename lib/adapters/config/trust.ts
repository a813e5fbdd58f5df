// Root obeys its config (commands, restarts and command sinks run as root), so root reads only a
// config nobody else can change: the file and every directory above it are root's alone.

import type { ConfigProblem } from '../../rules/errors.ts';
import { realPaths, untrustedPath, type PathReader } from '../fs/path-trust.ts';

/** Why hb running as root must not use the config at `path` (absolute), as a config problem, or null. */
export function untrustedConfig(path: string, source: string, paths: PathReader = realPaths): ConfigProblem | null {
  const problem = untrustedPath(path, paths, 'file');
  if (problem === null) return null;
  return {
    file: path,
    path: '',
    message: `not used by root (config from ${source}): ${problem.path} ${problem.reason}; fix: ${problem.fix}`,
  };
}
