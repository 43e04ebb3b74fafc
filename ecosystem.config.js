// pm2: `npm run build && pm2 start ecosystem.config.js --env production`.
// API and hub run in cluster mode (one per core by default); workers as separate forks.
// Hub instances share rooms through the sharded Redis adapter, so any number works;
// behind a load balancer, sticky sessions are not needed (WebSocket transport only).
// Node flags of every entry point (npm start, start:prod and the Dockerfile carry the same; a unit test
// keeps them equal, and `npm run bench:hub` runs the hub with them). A fixed 64 MB young generation
// (semi-space; Node 20 grows it from 1 to 16 MB) means 4x fewer scavenges at a few thousand fixes per
// second and about 10 % less hub CPU per fix, for about 100 MB more RSS per process from the start
// (docs/loadtest.md, "Young generation").
const NODE_ARGS = '--enable-source-maps --min-semi-space-size=64 --max-semi-space-size=64';

const common = {
  script: 'dist/infra/main.js',
  node_args: NODE_ARGS,
  kill_timeout: 15000, // > SHUTDOWN_TIMEOUT_MS (10 s): let the graceful shutdown finish
  listen_timeout: 15000,
  max_memory_restart: '1G',
  env: { NODE_ENV: 'development' },
  env_production: { NODE_ENV: 'production' },
};

module.exports = {
  NODE_ARGS,
  apps: [
    { ...common, name: 'daraa-api', exec_mode: 'cluster', instances: process.env.API_INSTANCES || 'max', env: { ...common.env, ROLE: 'api', PORT: 3000 }, env_production: { ...common.env_production, ROLE: 'api', PORT: 3000 } },
    { ...common, name: 'daraa-hub', exec_mode: 'cluster', instances: process.env.HUB_INSTANCES || 2, env: { ...common.env, ROLE: 'hub', PORT: 3001 }, env_production: { ...common.env_production, ROLE: 'hub', PORT: 3001 } },
    { ...common, name: 'daraa-worker', exec_mode: 'fork', instances: process.env.WORKER_INSTANCES || 1, env: { ...common.env, ROLE: 'worker', PORT: 3002 }, env_production: { ...common.env_production, ROLE: 'worker', PORT: 3002 } },
  ],
};
