import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'training/', 'coverage/', 'models/', '**/*.generated.ts'] },
  { languageOptions: { globals: globals.node } },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-console': ['error', { allow: ['warn', 'error'] }],
    },
  },
  {
    // Plain-JS entry points run on Node, whose globals the TypeScript-aware rules do not declare here.
    files: ['bin/**/*.js'],
    languageOptions: { globals: { URL: 'readonly' } },
  },
  {
    // The review console's browser client.
    files: ['src/console-web/src/**'],
    languageOptions: { globals: globals.browser },
  },
  {
    files: ['src/cli/**', 'scripts/**', 'bench/**', 'bin/**', 'test/**'],
    rules: { 'no-console': 'off' },
  },
);
