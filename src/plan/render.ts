// Moved to src/render/ (the render stage). Kept for the tests that still import
// the ip/bridge part from here; src/ imports src/render/index.ts.
export { renderIp as render, type IpProgram as Program, type Line } from '../render/ip.js';
