export { buildApp, type BuildAppOptions } from './app.js';
export { startApiServer, type ApiServer } from './server.js';
export { createServices, type ApiServices, type ConnectedServices } from './services.js';
export { buildOpenApiDocument } from './openapi.js';
export { ApiMetrics } from './metrics.js';
