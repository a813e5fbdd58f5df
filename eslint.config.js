// The linter's rules for hb (npm run lint). Why these rules and not others: docs/decisions.md.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

// The Node globals plain .js/.mjs files (scripts, test fixtures) use; TypeScript files get theirs from @types/node.
const NODE_GLOBALS = Object.fromEntries(
  ['process', 'console', 'Buffer', 'setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'URL', 'performance'].map((name) => [name, 'readonly']),
);

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'tests/fixtures/crontabs/'] },
  js.configs.recommended,
  tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      // node:test's test() and describe() return promises the runner itself awaits.
      '@typescript-eslint/no-floating-promises': [
        'error',
        { allowForKnownSafeCalls: [{ from: 'package', package: 'node:test', name: ['test', 'describe', 'it', 'suite'] }] },
      ],
      // hb finds and escapes control characters in everything it prints: matching them is the point.
      'no-control-regex': 'off',
      // I/O is injected as plain objects of functions (io.now, env.isAlive) that never use `this`;
      // the rule cannot tell an interface's method from a class's and flags every hand-over.
      '@typescript-eslint/unbound-method': 'off',
      // Values from files are validated first and then turned into text on purpose (String(v));
      // the rule cannot see the validation, and changing what an odd value prints changes output.
      '@typescript-eslint/no-base-to-string': 'off',
      // An async function that implements an async contract keeps a throw a rejection.
      '@typescript-eslint/require-await': 'off',
      // A leading underscore marks a parameter a contract requires and the body does not use, as tsc's noUnusedParameters allows.
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['tests/**'],
    rules: {
      // Tests parse hb's JSON output (JSON.parse gives any) and assert on its fields: the
      // assertion is the check, a type written over the parse would only restate it.
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      // The same for a request body a fake server recorded: Record<string, any> is the JSON it was.
      '@typescript-eslint/no-explicit-any': 'off',
    },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    extends: [tseslint.configs.disableTypeChecked],
    languageOptions: { globals: NODE_GLOBALS },
  },
);
