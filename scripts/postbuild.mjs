// After tsc: the CLI entry points must be executable for npx and npm's bin links.
import { chmodSync } from 'node:fs';

for (const bin of ['lib/cli/viztracer.js', 'lib/cli/vizviewer.js'])
  chmodSync(new URL(`../${bin}`, import.meta.url), 0o755);
