import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import prettier from 'eslint-config-prettier';

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', 'packages/client/src/schema.d.ts'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  prettier,
  {
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
    },
  },
  {
    // The worker's parent process must never load TensorFlow (it would hold GPU memory and block the event
    // loop that renews job locks): the engine, and the child modules that load it, run only in child/.
    files: ['apps/worker/src/**/*.ts'],
    ignores: ['apps/worker/src/child/**'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['@neural-style/core', '@neural-style/core/*', '@tensorflow/*'],
              allowTypeImports: true,
              message: 'Only apps/worker/src/child/ may load the engine; use `import type` here.',
            },
            {
              group: ['**/child/*'],
              allowTypeImports: true,
              message: 'child/ modules run in the sandboxed process; start them with childModule().',
            },
          ],
        },
      ],
    },
  },
  {
    // The API process checks uploads with sharp but never runs the engine: TensorFlow stays out of it.
    files: ['apps/api/src/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '^(@neural-style/core(/(?!image$).*)?|@tensorflow/.*)$',
              allowTypeImports: true,
              message: 'The API may load only @neural-style/core/image from the engine package.',
            },
          ],
        },
      ],
    },
  },
);
