'use strict';
// Docker HEALTHCHECK for the slim image, which has no curl: GET <path> (default /health/live) on this
// container's service port; exit 0 on HTTP 200, 1 otherwise.
//   node deploy/container/healthcheck.js [/health/ready]
// Port: SHIPYARD_HEALTH_PORT if set, else the service's own port variable, else its default.
const http = require('node:http');

const PORTS = {
  'api-gateway': ['SHIPYARD_GATEWAY_PORT', 8080],
  auth: ['SHIPYARD_AUTH_PORT', 8081],
  registry: ['SHIPYARD_REGISTRY_PORT', 8082],
  experiments: ['SHIPYARD_EXPERIMENTS_PORT', 8083],
  audit: ['SHIPYARD_AUDIT_PORT', 8084],
  inference: ['SHIPYARD_INFERENCE_PORT', 8085],
};

const fail = (message) => {
  process.stderr.write(`healthcheck: ${message}\n`);
  process.exit(1);
};

const service = process.env.SHIPYARD_SERVICE ?? '';
const [portVar, defaultPort] = PORTS[service] ?? [];
const port = Number(process.env.SHIPYARD_HEALTH_PORT || (portVar && process.env[portVar]) || defaultPort);
const path = process.argv[2] ?? '/health/live';
if (!Number.isInteger(port) || port < 1 || port > 65535) fail(`no port for SHIPYARD_SERVICE=${JSON.stringify(service)}; set SHIPYARD_HEALTH_PORT`);

const req = http.get({ host: '127.0.0.1', port, path, timeout: 3000 }, (res) => {
  res.resume();
  if (res.statusCode === 200) process.exit(0);
  fail(`GET ${path} on port ${port} answered ${res.statusCode}`);
});
req.on('timeout', () => req.destroy(new Error(`GET ${path} on port ${port} timed out`)));
req.on('error', (e) => fail(e.message));
