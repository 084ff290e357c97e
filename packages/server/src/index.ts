export { type ChatApp, createApp } from "./app.js";
export { type Config, ConfigError, type DatabaseConfig, type LogLevel, loadConfig, readEnv } from "./config.js";
export { createLogger, loggerOptions } from "./logger.js";
export { allMigrations } from "./store/migrations/index.js";
