// Lint config: typescript-eslint's recommended rules over every TypeScript source of the workspace.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['**/node_modules/**', 'data/**', 'dist/**', 'test-output/**', 'bench/results/**', '**/*.min.js'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts', '**/*.tsx'],
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-constant-condition': ['error', { checkLoops: false }],
    },
  },
  {
    // Plain-JavaScript scripts (they run before anything is compiled) are type-checked by tsc (checkJs),
    // which knows Node's globals; ESLint's no-undef would not.
    files: ['scripts/**/*.js'],
    rules: { 'no-undef': 'off' },
  },
);
