// tsc compiles TypeScript only; the runtime also reads these files next to the compiled code.
// Usage: node scripts/copy-assets.mjs [outDir] (default dist, the image's build).
import { cpSync } from 'node:fs';

const out = process.argv[2] ?? 'dist';
for (const file of ['src/config/default-alert-policy.yaml']) cpSync(file, `${out}/${file}`);
