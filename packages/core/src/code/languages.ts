/**
 * Language names and detection from file extensions.
 * @module
 */

/** Languages with a tree-sitter grammar in @ctxpress/node (others use the indentation fallback). */
export const PARSED_LANGUAGES = ['typescript', 'tsx', 'javascript', 'python', 'go', 'java', 'rust', 'c', 'cpp'] as const;
export type ParsedLanguage = (typeof PARSED_LANGUAGES)[number];

const BY_EXTENSION: Readonly<Record<string, string>> = {
  ts: 'typescript',
  mts: 'typescript',
  cts: 'typescript',
  tsx: 'tsx',
  js: 'javascript',
  mjs: 'javascript',
  cjs: 'javascript',
  jsx: 'javascript',
  py: 'python',
  pyi: 'python',
  go: 'go',
  java: 'java',
  rs: 'rust',
  c: 'c',
  h: 'c',
  cc: 'cpp',
  cpp: 'cpp',
  cxx: 'cpp',
  hpp: 'cpp',
  hh: 'cpp',
  hxx: 'cpp',
  cs: 'c_sharp',
  kt: 'kotlin',
  kts: 'kotlin',
  swift: 'swift',
  scala: 'scala',
  php: 'php',
  rb: 'ruby',
  lua: 'lua',
  sh: 'bash',
  bash: 'bash',
  dart: 'dart',
  zig: 'zig',
  ex: 'elixir',
  exs: 'elixir',
  sol: 'solidity',
};

const ALIASES: Readonly<Record<string, string>> = {
  ts: 'typescript',
  js: 'javascript',
  py: 'python',
  golang: 'go',
  rs: 'rust',
  'c++': 'cpp',
  cxx: 'cpp',
  csharp: 'c_sharp',
  'c#': 'c_sharp',
  node: 'javascript',
  jsx: 'javascript',
};

/** Normalises a language name or alias (`ts`, `py`, `c++`) to ctxpress's name; unknown names are returned lower-cased. */
export function normalizeLanguage(language: string): string {
  const l = language.trim().toLowerCase();
  return ALIASES[l] ?? l;
}

/** The language of a path from its extension, or undefined when unknown. */
export function languageFromPath(path: string): string | undefined {
  const m = /\.([A-Za-z0-9+]+)$/.exec(path);
  if (m === null) return undefined;
  return BY_EXTENSION[m[1]!.toLowerCase()];
}
