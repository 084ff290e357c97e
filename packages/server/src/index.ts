export { type ChatApp, createApp } from "./app.js";
export { type Config, ConfigError, loadConfig, readEnv } from "./config.js";
export { createLogger } from "./logger.js";
