export { compressJson, detectJsonIndent, jsonErrorOffset } from './compress-json.js';
export type { JsonCompressionOptions, JsonCompressionResult, JsonFold, JsonTruncation } from './compress-json.js';
