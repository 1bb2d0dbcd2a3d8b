/**
 * Test helpers of @ctxpress/node (export "@ctxpress/node/testing"): a throwaway `redis-server` for tests of the Redis
 * cache store. Not part of the compression API; the other packages' tests import it from here, never by relative path.
 * @module
 */
export { REDIS_INSTALL_HINT, findRedisServer, freePort, ping, redisCommand, skipRedisTests, startRedisServer } from './redis-server.js';
export type { RedisServer } from './redis-server.js';
export { installedVersion, packedProject } from './packed-project.js';
export type { CommandOutput, PackedProject, PackedProjectOptions } from './packed-project.js';
