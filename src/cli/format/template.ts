// Entry point under the name the CLI imports; everything lives in index.ts.
export { compileTemplate, displayWidth, formatRows, renderTemplate, tabwrite, TemplateError } from './index.js';
export type { CompiledTemplate, FormatOptions } from './index.js';
