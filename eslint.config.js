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
              // weights-download is node:fs + fetch, no TensorFlow: the parent fetches the weights on first start.
              regex: '^(@neural-style/core(/(?!weights-download$).*)?|@tensorflow/.*)$',
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
  {
    // The web page is a browser bundle: a runtime import of our packages would pull zod (and more) into it.
    files: ['apps/web/src/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['@neural-style/*'],
              allowTypeImports: true,
              message: 'The page may only `import type` from our packages; it reads the API at run time.',
            },
          ],
        },
      ],
    },
  },
);
