// hb as a user gets it: the tarball `npm pack` makes of this checkout, installed with npm into a
// fresh prefix or project. Packing never rebuilds (--ignore-scripts): other tests read dist/ meanwhile,
// so the suite packs the dist/ that `npm test` built. Installing is offline: the tarball needs nothing.

import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

function npm(args: string[], cwd: string): string {
  const r = spawnSync('npm', [...args, '--no-audit', '--no-fund', '--loglevel=error'], { cwd, encoding: 'utf8', timeout: 120_000 });
  if (r.status !== 0) throw new Error(`npm ${args.join(' ')} (in ${cwd}) exited ${r.status ?? r.signal}: ${r.stderr}${r.stdout}`);
  return r.stdout;
}

/** Packs the checkout into `dir` and returns the tarball's path. */
export function packHb(dir: string): string {
  npm(['pack', '--ignore-scripts', '--pack-destination', dir], ROOT);
  const tarball = readdirSync(dir).find((f) => /^hb-.*\.tgz$/.test(f));
  if (!tarball) throw new Error(`npm pack left no hb-*.tgz in ${dir}`);
  return join(dir, tarball);
}

/** `npm install -g --prefix PREFIX TARBALL`: hb lands in PREFIX/bin/hb and PREFIX/lib/node_modules/hb. */
export function installGlobal(tarball: string, prefix: string): void {
  npm(['install', '-g', '--offline', '--prefix', prefix, tarball], tmpdir());
}

/** A fresh project directory with hb installed as a dependency from the tarball (node_modules/hb). */
export function installInProject(tarball: string, parent: string): string {
  const project = mkdtempSync(join(parent, 'project-'));
  npm(['init', '-y'], project);
  npm(['install', '--offline', tarball], project);
  return project;
}
