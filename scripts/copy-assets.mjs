// tsc compiles TypeScript only; the runtime also reads these files next to the compiled code.
import { cpSync } from 'node:fs';

for (const file of ['src/config/default-alert-policy.yaml']) cpSync(file, `dist/${file}`);
