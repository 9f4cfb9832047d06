/**
 * Vite's `?raw` import (vitest runs on Vite): a text file's contents as a string. The domain has no Node types,
 * so its tests read the docs they check this way instead of through node:fs.
 */
declare module '*.md?raw' {
  const text: string;
  export default text;
}
