// Where the project's files are, from a source checkout (out/server) or the bundle (dist/).
import * as fs from 'node:fs';
import * as path from 'node:path';

export const DEFAULT_MODEL_FILE = 'SmolLM2-135M-Instruct.Q4_1.gguf';

/** The folder holding the project's package.json. */
export function projectRoot(from = __dirname): string {
  let dir = from;
  for (;;) {
    const pkg = path.join(dir, 'package.json');
    if (fs.existsSync(pkg)) {
      try {
        if ((JSON.parse(fs.readFileSync(pkg, 'utf8')) as { name?: string }).name === 'prism-complete') return dir;
      } catch { /* keep looking */ }
    }
    const up = path.dirname(dir);
    if (up === dir) return path.resolve(from, '..');
    dir = up;
  }
}

/** The model to load: an explicit path, else $PRISM_MODEL, else the default fetched by setup. */
export function resolveModelPath(explicit?: string): string {
  if (explicit) return path.resolve(explicit);
  if (process.env.PRISM_MODEL) return path.resolve(process.env.PRISM_MODEL);
  return path.join(projectRoot(), '.models', DEFAULT_MODEL_FILE);
}
