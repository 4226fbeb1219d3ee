/**
 * The layer rule (`npm run layers`, part of `npm run check`): folders of src/ form a DAG, each
 * importing only folders of lower layers. Top to bottom; folders on one line are siblings and do not
 * import each other. `src/*.ts` files other than main.ts (errors, scores, stage-runner, version) are
 * the shared vocabulary at the bottom.
 */
const LAYERS = [
  ['cli'],
  // the message handler: decode -> content -> signals -> policy -> label | dead letter; the review
  // console (its own process: label store, web server, verdicts) uses the same stages below
  ['pipeline', 'console'],
  ['consume'], // the Kafka runner: chunks, retries, commit, tracing (owns the runner's observers)
  ['produce', 'signals'],
  ['content', 'policy'],
  ['fetch', 'infer', 'cache', 'kafka', 'neighbours'], // neighbours: the near-duplicate index and its feeder
  ['preprocess'],
  ['contracts', 'config', 'telemetry'],
];

/** Folders that hold a stage of the flow (everything but contracts, config and telemetry). */
const STAGE_FOLDERS = [
  'consume',
  'produce',
  'pipeline',
  'signals',
  'content',
  'policy',
  'fetch',
  'infer',
  'cache',
  'neighbours',
  'preprocess',
  'cli',
  'console',
];

const folder = (names) => `^src/(${names.join('|')})/`;
const layerRules = LAYERS.flatMap((layer, i) => {
  const above = LAYERS.slice(0, i).flat();
  return layer.map((name) => ({
    name: `layer-${name}`,
    comment: `src/${name}/ may import only folders below its layer (${LAYERS.slice(i + 1)
      .map((l) => l.join(', '))
      .join(' > ')})`,
    severity: 'error',
    from: { path: `^src/${name}/` },
    to: { path: folder([...above, ...layer.filter((n) => n !== name)]) },
  }));
});

module.exports = {
  forbidden: [
    ...layerRules,
    {
      name: 'telemetry-and-contracts-import-no-stage',
      comment: 'telemetry and contracts are observers and wire shapes: they import no stage folder',
      severity: 'error',
      from: { path: '^src/(telemetry|contracts)/' },
      to: {
        path: folder(STAGE_FOLDERS),
      },
    },
    {
      name: 'cache-imports-no-pipeline-code',
      severity: 'error',
      from: { path: '^src/cache/' },
      to: {
        path: folder(STAGE_FOLDERS.filter((name) => name !== 'cache')),
      },
    },
    {
      name: 'console-web-is-browser-code',
      comment: 'src/console-web/ is bundled for the browser by Vite: it imports nothing else of src/',
      severity: 'error',
      from: { path: '^src/console-web/' },
      to: { path: '^src/', pathNot: '^src/console-web/' },
    },
    {
      name: 'shared-files-import-no-folder',
      comment: 'src/errors.ts, scores.ts, stage-runner.ts, version.ts sit below every folder',
      severity: 'error',
      from: { path: '^src/[^/]+[.]ts$', pathNot: '^src/main[.]ts$' },
      to: { path: '^src/[^/]+/' },
    },
    {
      name: 'only-main-and-cli-import-main',
      severity: 'error',
      from: { pathNot: '^src/(main[.]ts|cli/)' },
      to: { path: '^src/main[.]ts$' },
    },
    {
      name: 'no-circular',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^src/.*[.]generated[.]ts$|^src/contracts/generated/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.js'] },
  },
};
