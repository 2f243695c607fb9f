/**
 * Local mode, programmatically: `const mode = await startLocalMode(); ... await mode.stop();` starts what
 * `npm run dev` starts (settings from the environment unless given). See docs/local-mode.md.
 */

export { type LocalSettings, type MetaMode, settingsFrom } from "./settings";
export { type LocalMode, type LocalModeLog, startLocalMode } from "./start";
