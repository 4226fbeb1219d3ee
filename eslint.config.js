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
    // kafkajs's read_committed filter is replaced before kafkajs loads (src/kafka/read-committed-filter.ts):
    // runtime imports go through src/kafka/kafkajs.ts (test/support too: scripts import it); test files
    // also get it from their setup file.
    files: ['src/**/*.ts', 'scripts/**/*.ts', 'bench/**/*.ts', 'test/support/**/*.ts'],
    ignores: ['src/kafka/kafkajs.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: [
            {
              name: 'kafkajs',
              message:
                'Import kafkajs values from src/kafka/kafkajs.ts (it replaces the read_committed filter first).',
              allowTypeImports: true,
            },
          ],
        },
      ],
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
