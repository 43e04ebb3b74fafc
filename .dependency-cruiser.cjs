/**
 * Layer boundaries (STYLE.md). `npm run lint` fails on any violation.
 * domain ← (api, server, workers) ← infra (the container wires them); geo is a library that knows nothing of the app.
 */
module.exports = {
  forbidden: [
    {
      name: 'domain-is-independent',
      comment: 'Domain code imports nothing from api/, server/, workers/, infra/ or geo/.',
      severity: 'error',
      from: { path: '^domain/' },
      to: { path: '^(api|server|workers|infra|geo)/' },
    },
    {
      name: 'domain-has-no-frameworks',
      comment: 'Domain code does not import frameworks or drivers; ports hide them.',
      severity: 'error',
      from: { path: '^domain/' },
      to: { path: 'node_modules/(koa|@koa|socket\\.io|ioredis|mongoose|pg|@electric-sql|bullmq|jsonwebtoken|firebase-admin)' },
    },
    {
      name: 'geo-is-a-library',
      comment: 'geo/ knows nothing of orders, HTTP or sockets: only domain/shared.',
      severity: 'error',
      from: { path: '^geo/' },
      to: { path: '^(api|server|workers|infra)/|^domain/(?!shared/)' },
    },
    {
      name: 'api-does-not-reach-into-server-or-workers',
      severity: 'error',
      from: { path: '^api/' },
      to: { path: '^(server|workers)/' },
    },
    {
      name: 'api-does-not-reach-into-infra',
      comment: 'The container (infra/) builds the API and hands it what it needs; api/ names what it needs with small interfaces of its own.',
      severity: 'error',
      from: { path: '^api/' },
      to: { path: '^infra/' },
    },
    {
      name: 'server-does-not-reach-into-api',
      severity: 'error',
      from: { path: '^server/' },
      to: { path: '^api/' },
    },
    {
      name: 'no-circular',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'production-code-does-not-import-tests',
      severity: 'error',
      from: { pathNot: '^(test|loadtest)/' },
      to: { path: '^(test|loadtest)/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: true,
    exclude: { path: '^(node_modules|dist|data)/' },
  },
};
