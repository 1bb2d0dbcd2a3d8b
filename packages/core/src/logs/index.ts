export { compressLogs, logTemplate, isErrorLine } from './compress-logs.js';
export type { LogCompressionOptions, LogCompressionResult, LogGroup } from './compress-logs.js';
