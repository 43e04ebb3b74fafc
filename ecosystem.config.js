// pm2: `npm run build && pm2 start ecosystem.config.js --env production`.
// API and hub run in cluster mode (one per core by default); workers as separate forks.
// Hub instances share rooms through the sharded Redis adapter, so any number works;
// behind a load balancer, sticky sessions are not needed (WebSocket transport only).
const common = {
  script: 'dist/infra/main.js',
  node_args: '--enable-source-maps',
  kill_timeout: 15000, // > SHUTDOWN_TIMEOUT_MS (10 s): let the graceful shutdown finish
  listen_timeout: 15000,
  max_memory_restart: '1G',
  env: { NODE_ENV: 'development' },
  env_production: { NODE_ENV: 'production' },
};

module.exports = {
  apps: [
    { ...common, name: 'daraa-api', exec_mode: 'cluster', instances: process.env.API_INSTANCES || 'max', env: { ...common.env, ROLE: 'api', PORT: 3000 }, env_production: { ...common.env_production, ROLE: 'api', PORT: 3000 } },
    { ...common, name: 'daraa-hub', exec_mode: 'cluster', instances: process.env.HUB_INSTANCES || 2, env: { ...common.env, ROLE: 'hub', PORT: 3001 }, env_production: { ...common.env_production, ROLE: 'hub', PORT: 3001 } },
    { ...common, name: 'daraa-worker', exec_mode: 'fork', instances: process.env.WORKER_INSTANCES || 1, env: { ...common.env, ROLE: 'worker', PORT: 3002 }, env_production: { ...common.env_production, ROLE: 'worker', PORT: 3002 } },
  ],
};
