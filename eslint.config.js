import tseslint from 'typescript-eslint';

// A caught value is `unknown`: narrow it with errorMessage/causeChain (src/errors.ts) or pass it to
// the logger as `{ err }`, never cast it, which hides non-Error throws and loses the cause.
const noErrorCast = {
  selector: "TSAsExpression > TSTypeReference.typeAnnotation[typeName.name='Error']",
  message: 'Do not cast to Error: use errorMessage() from src/errors.ts, or log `{ err: error }`.',
};

// The core decides; it must not do I/O, read the clock or roll dice.
const coreRestrictions = {
  paths: ['express', 'prom-client', '@kubernetes/client-node', 'openid-client', 'node-cron', 'winston'].map((name) => ({
    name,
    message: 'src/core is pure: adapters live at the edges.',
  })),
  patterns: [
    { group: ['node:*', 'fs', 'http', 'https', 'net', 'child_process', 'dgram', 'os'], message: 'src/core is pure: no I/O.' },
    { group: ['../*', '!../core/*'], message: 'src/core imports only from src/core.' },
  ],
};

export default tseslint.config(
  { ignores: ['dist/**', '.tmp/**', 'node_modules/**', 'coverage/**', '*.js', 'scripts/*.mjs'] },
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-syntax': ['error', noErrorCast],
    },
  },
  {
    files: ['src/core/**/*.ts'],
    ignores: ['src/core/**/*.test.ts'],
    rules: {
      'no-restricted-imports': ['error', coreRestrictions],
      'no-restricted-globals': ['error', { name: 'process', message: 'src/core is pure.' }, { name: 'fetch', message: 'src/core is pure.' }],
      'no-restricted-properties': [
        'error',
        { object: 'Date', property: 'now', message: 'src/core takes the time as an argument.' },
        { object: 'Math', property: 'random', message: 'src/core is deterministic.' },
      ],
      'no-restricted-syntax': [
        'error',
        noErrorCast,
        { selector: "NewExpression[callee.name='Date'][arguments.length=0]", message: 'src/core takes the time as an argument.' },
      ],
    },
  },
);
