/**
 * Code segmentation with real parsers: web-tree-sitter 0.25.10 + the tree-sitter-wasms 0.1.13 grammars, loaded lazily.
 * @module
 */
import { createRequire } from 'node:module';
import { CtxpressError } from '@ctxpress/core';
import { indentationItems, indentationSegmenter, normalizeLanguage, outlineSegmentation, languageFromPath, PARSED_LANGUAGES } from './core-code.js';
import type { CodeItem, CodeItemKind, CodeOutline, CodeSegmenter } from './core-code.js';
import type { Node as TsNode, Parser as TsParser, Language as TsLanguage } from 'web-tree-sitter';

type WebTreeSitter = typeof import('web-tree-sitter');

interface Spec {
  readonly imports: ReadonlySet<string>;
  readonly functions: ReadonlySet<string>;
  readonly classes: ReadonlySet<string>;
  /** Nodes whose range is the item's but whose kind comes from an inner declaration (export, decorators, templates). */
  readonly wrappers: ReadonlySet<string>;
  /** Nodes that attach to the item right after them when no blank line separates them (comments, attributes). */
  readonly attach: ReadonlySet<string>;
}

const set = (s: string): ReadonlySet<string> => new Set(s.split(/\s+/).filter((x) => x.length > 0));
const COMMENTS = 'comment line_comment block_comment';
const TS_SPEC: Spec = {
  imports: set('import_statement'),
  functions: set('function_declaration generator_function_declaration method_definition function_signature'),
  classes: set('class_declaration abstract_class_declaration interface_declaration enum_declaration class'),
  wrappers: set('export_statement'),
  attach: set(`${COMMENTS} decorator`),
};
const SPECS: Readonly<Record<string, Spec>> = {
  typescript: TS_SPEC,
  tsx: TS_SPEC,
  javascript: TS_SPEC,
  python: {
    imports: set('import_statement import_from_statement future_import_statement'),
    functions: set('function_definition'),
    classes: set('class_definition'),
    wrappers: set('decorated_definition'),
    attach: set(COMMENTS),
  },
  go: {
    imports: set('import_declaration package_clause'),
    functions: set('function_declaration method_declaration'),
    classes: set('type_declaration'),
    wrappers: set(''),
    attach: set(COMMENTS),
  },
  java: {
    imports: set('import_declaration package_declaration'),
    functions: set('method_declaration constructor_declaration compact_constructor_declaration'),
    classes: set('class_declaration interface_declaration enum_declaration record_declaration annotation_type_declaration'),
    wrappers: set(''),
    attach: set(`${COMMENTS}`),
  },
  rust: {
    imports: set('use_declaration extern_crate_declaration'),
    functions: set('function_item'),
    classes: set('struct_item enum_item trait_item impl_item mod_item union_item'),
    wrappers: set(''),
    attach: set(`${COMMENTS} attribute_item inner_attribute_item`),
  },
  c: {
    imports: set('preproc_include'),
    functions: set('function_definition'),
    classes: set('struct_specifier union_specifier enum_specifier type_definition'),
    wrappers: set(''),
    attach: set(COMMENTS),
  },
  cpp: {
    imports: set('preproc_include using_declaration'),
    functions: set('function_definition'),
    classes: set('class_specifier struct_specifier union_specifier enum_specifier namespace_definition type_definition'),
    wrappers: set('template_declaration'),
    attach: set(COMMENTS),
  },
};

const GRAMMAR: Readonly<Record<string, string>> = {
  typescript: 'typescript',
  tsx: 'tsx',
  javascript: 'javascript',
  python: 'python',
  go: 'go',
  java: 'java',
  rust: 'rust',
  c: 'c',
  cpp: 'cpp',
};

const INSTALL_HINT =
  'Code parsing needs web-tree-sitter@0.25.10 and tree-sitter-wasms@0.1.13 (exactly these versions): npm install web-tree-sitter@0.25.10 tree-sitter-wasms@0.1.13';

let modulePromise: Promise<WebTreeSitter> | undefined;
const languageCache = new Map<string, Promise<TsLanguage>>();
const segmenterCache = new Map<string, Promise<CodeSegmenter>>();

async function loadModule(): Promise<WebTreeSitter> {
  modulePromise ??= (async () => {
    let mod: WebTreeSitter;
    try {
      mod = await import('web-tree-sitter');
    } catch (error) {
      throw new CtxpressError('DEPENDENCY_MISSING', `${INSTALL_HINT} (web-tree-sitter could not be imported).`, { cause: error });
    }
    await mod.Parser.init();
    return mod;
  })();
  try {
    return await modulePromise;
  } catch (error) {
    modulePromise = undefined;
    throw error;
  }
}

async function loadLanguage(language: string): Promise<TsLanguage> {
  let p = languageCache.get(language);
  if (p === undefined) {
    p = (async () => {
      const mod = await loadModule();
      let path: string;
      try {
        path = createRequire(import.meta.url).resolve(`tree-sitter-wasms/out/tree-sitter-${GRAMMAR[language]!}.wasm`);
      } catch (error) {
        throw new CtxpressError('DEPENDENCY_MISSING', `${INSTALL_HINT} (the ${language} grammar was not found).`, { cause: error });
      }
      return mod.Language.load(path);
    })();
    languageCache.set(language, p);
    p.catch(() => languageCache.delete(language));
  }
  return p;
}

/** True when `language` (after normalisation) has a tree-sitter grammar here. */
export function hasParser(language: string): boolean {
  return (PARSED_LANGUAGES as readonly string[]).includes(normalizeLanguage(language));
}

/**
 * A tree-sitter {@link CodeSegmenter} for `language` (typescript, tsx, javascript, python, go, java, rust, c, cpp).
 * Loads web-tree-sitter and the grammar once per process (cached); throws `DEPENDENCY_MISSING` when they are not installed
 * and `INVALID_OPTION` for a language without a grammar (use `indentationSegmenter()` or `loadCodeSegmenter`, which falls back).
 */
export async function treeSitterSegmenter(language: string): Promise<CodeSegmenter> {
  const lang = normalizeLanguage(language);
  if (!hasParser(lang)) {
    throw new CtxpressError(
      'INVALID_OPTION',
      `No tree-sitter grammar for "${language}". Supported: ${PARSED_LANGUAGES.join(', ')}; other languages use indentationSegmenter().`,
    );
  }
  let p = segmenterCache.get(lang);
  if (p === undefined) {
    p = (async () => {
      const mod = await loadModule();
      const parser = new mod.Parser();
      parser.setLanguage(await loadLanguage(lang));
      return makeSegmenter(lang, parser);
    })();
    segmenterCache.set(lang, p);
    p.catch(() => segmenterCache.delete(lang));
  }
  return p;
}

/**
 * The segmenter for a language name or a file path: tree-sitter when there is a grammar, else the indentation fallback
 * (`indentationSegmenter({ language })` from @ctxpress/core).
 */
export async function loadCodeSegmenter(languageOrPath: string): Promise<CodeSegmenter> {
  const byPath = languageFromPath(languageOrPath);
  const lang = normalizeLanguage(byPath ?? languageOrPath);
  if (hasParser(lang)) return treeSitterSegmenter(lang);
  return indentationSegmenter({ language: lang });
}

/** Parses `text` and returns whether the tree has ERROR or MISSING nodes (for tests and checks of skeleton output). */
export async function parseErrors(language: string, text: string): Promise<number> {
  const lang = normalizeLanguage(language);
  const mod = await loadModule();
  const parser = new mod.Parser();
  parser.setLanguage(await loadLanguage(lang));
  const tree = parser.parse(text);
  if (tree === null) return 1;
  const n = countErrors(tree.rootNode);
  tree.delete();
  parser.delete();
  return n;
}

function countErrors(root: TsNode): number {
  if (!root.hasError) return 0;
  let n = 0;
  const cursor = root.walk();
  let done = false;
  while (!done) {
    const node = cursor.currentNode;
    if (node.type === 'ERROR' || node.isMissing) n++;
    if (node.hasError && cursor.gotoFirstChild()) continue;
    while (!cursor.gotoNextSibling()) {
      if (!cursor.gotoParent()) {
        done = true;
        break;
      }
    }
  }
  cursor.delete();
  return n;
}

function makeSegmenter(language: string, parser: TsParser): CodeSegmenter {
  const spec = SPECS[language]!;
  // the same files are often compressed again with another query: keep the last outlines (immutable data)
  const cache = new Map<string, CodeOutline>();
  const outline = (text: string): CodeOutline => {
    const hit = cache.get(text);
    if (hit !== undefined) return hit;
    const result = parseOutline(text);
    if (cache.size >= 64) cache.delete(cache.keys().next().value!);
    cache.set(text, result);
    return result;
  };
  const parseOutline = (text: string): CodeOutline => {
    const tree = parser.parse(text);
    if (tree === null) return { language, items: indentationItems(text, 0, text.length), errors: 1 };
    try {
      const errors = countErrors(tree.rootNode);
      const items: CodeItem[] = [];
      collect(text, spec, tree.rootNode.children, -1, 'top', items);
      return { language, items, errors };
    } finally {
      tree.delete();
    }
  };
  return { name: `tree-sitter:${language}`, language, outline, segment: (sources) => outlineSegmentation(sources, (s) => outline(s.text)) };
}

type Context = 'top' | 'class' | 'body';

function hasBlankLineBetween(text: string, from: number, to: number): boolean {
  return /\n[ \t\r]*\n/.test(text.slice(from, to));
}

/** The declaration a wrapper stands for (export → its declaration, decorated → its definition, template → its body). */
function unwrap(node: TsNode, spec: Spec): TsNode {
  let n = node;
  for (let i = 0; i < 4 && spec.wrappers.has(n.type); i++) {
    const inner =
      n.childForFieldName('declaration') ??
      n.childForFieldName('definition') ??
      n.namedChildren.filter((c) => c !== null && !spec.attach.has(c.type) && c.type !== 'template_parameter_list').pop();
    if (inner === undefined || inner === null) break;
    n = inner;
  }
  return n;
}

function nameOf(node: TsNode): string {
  const name = node.childForFieldName('name');
  if (name !== null) return name.type === 'qualified_identifier' ? nameOf(name) : name.text;
  let d = node.childForFieldName('declarator');
  for (let i = 0; d !== null && i < 6; i++) {
    if (/identifier$|^destructor_name$|^operator_name$/.test(d.type)) return d.type === 'qualified_identifier' ? nameOf(d) : d.text;
    d = d.childForFieldName('declarator') ?? d.childForFieldName('name');
  }
  if (node.type === 'impl_item') return node.childForFieldName('type')?.text ?? '';
  if (node.type === 'type_declaration' || node.type === 'lexical_declaration' || node.type === 'variable_declaration') {
    const spec = node.namedChildren.find((c) => c !== null && (c.type === 'type_spec' || c.type === 'variable_declarator'));
    if (spec !== undefined && spec !== null) return spec.childForFieldName('name')?.text ?? '';
  }
  if (node.type === 'type_definition') return node.childForFieldName('declarator')?.text ?? '';
  return '';
}

/** For an arrow function or function expression assigned by `const f = …`: the function node. */
function assignedFunction(node: TsNode): TsNode | undefined {
  if (node.type !== 'lexical_declaration' && node.type !== 'variable_declaration') return undefined;
  const declarators = node.namedChildren.filter((c) => c !== null && c.type === 'variable_declarator');
  if (declarators.length !== 1) return undefined;
  const value = declarators[0]!.childForFieldName('value');
  if (value === null) return undefined;
  if (
    (value.type === 'arrow_function' || value.type === 'function_expression' || value.type === 'function') &&
    value.childForFieldName('body')?.type === 'statement_block'
  )
    return value;
  return undefined;
}

/** The body node of a class-like declaration (its members' container), with the braces when the language has them. */
function classBody(node: TsNode): { start: number; end: number; members: TsNode[] } | undefined {
  let body = node.childForFieldName('body');
  if (body === null && node.type === 'type_definition') {
    const t = node.childForFieldName('type');
    body = t?.childForFieldName('body') ?? null;
  }
  if (body === null && node.type === 'type_declaration') {
    const spec = node.namedChildren.find((c) => c !== null && c.type === 'type_spec');
    const type = spec?.childForFieldName('type') ?? null;
    if (type !== null && type.type === 'struct_type') body = type.namedChildren.find((c) => c !== null && c.type === 'field_declaration_list') ?? null;
    else if (type !== null && type.type === 'interface_type') {
      const open = type.children.find((c) => c !== null && c.type === '{');
      const close = [...type.children].reverse().find((c) => c !== null && c.type === '}');
      if (open !== undefined && open !== null && close !== undefined && close !== null) {
        return { start: open.startIndex, end: close.endIndex, members: type.children.filter((c): c is TsNode => c !== null) };
      }
      return undefined;
    }
  }
  if (body === null) return undefined;
  return { start: body.startIndex, end: body.endIndex, members: body.children.filter((c): c is TsNode => c !== null) };
}

function collect(text: string, spec: Spec, nodes: ReadonlyArray<TsNode | null>, parent: number, context: Context, out: CodeItem[]): void {
  let pendingStart = -1; // start of attached comments waiting for their item
  let pendingEnd = -1;
  let previous = -1; // index in `out` of the previous sibling item
  const flushPending = (): void => {
    if (pendingStart < 0) return;
    previous = out.length;
    out.push({ kind: 'statement', start: pendingStart, end: pendingEnd, declStart: pendingStart, name: '', bodyStart: -1, bodyEnd: -1, parent });
    pendingStart = -1;
  };
  for (const node of nodes) {
    if (node === null) continue;
    if (!node.isNamed) {
      // a `;`, `,` or `:` right after an item belongs to it (C `struct s { … };`, enum variants, fields, `public:`)
      if (
        (node.type === ';' || node.type === ',' || node.type === ':') &&
        previous >= 0 &&
        pendingStart < 0 &&
        out[previous]!.end <= node.startIndex &&
        !/\n/.test(text.slice(out[previous]!.end, node.startIndex))
      ) {
        out[previous] = { ...out[previous]!, end: node.endIndex };
      }
      continue;
    }
    if (spec.attach.has(node.type)) {
      if (pendingStart >= 0 && hasBlankLineBetween(text, pendingEnd, node.startIndex)) flushPending();
      if (pendingStart < 0) pendingStart = node.startIndex;
      pendingEnd = node.endIndex;
      continue;
    }
    if (pendingStart >= 0 && hasBlankLineBetween(text, pendingEnd, node.startIndex)) flushPending();
    const start = pendingStart >= 0 ? pendingStart : node.startIndex;
    pendingStart = -1;
    previous = out.length;
    addItem(text, spec, node, start, parent, context, out);
  }
  flushPending();
}

function addItem(text: string, spec: Spec, node: TsNode, start: number, parent: number, context: Context, out: CodeItem[]): void {
  const decl = unwrap(node, spec);
  // preprocessor lines end with their newline: keep it out, so an elision never lands before a `#`
  let end = node.endIndex;
  while (end > start && /\s/.test(text[end - 1]!)) end--;
  const index = out.length;
  if (node.type === 'ERROR') {
    // what did not parse: the indentation fallback when the region is whole lines, else one statement
    const lineStart = start === 0 || text[start - 1] === '\n';
    const lineEnd = end === text.length || text[end] === '\n' || text[end] === '\r';
    const fallback = lineStart && lineEnd && parent < 0 ? indentationItems(text, start, end) : [];
    if (fallback.length > 0 && fallback[0]!.start >= start && fallback[fallback.length - 1]!.end <= end) {
      for (const it of fallback) out.push({ ...it, parent: it.parent < 0 ? parent : it.parent + index });
      return;
    }
    out.push({ kind: 'statement', start, end, declStart: node.startIndex, name: '', bodyStart: -1, bodyEnd: -1, parent });
    return;
  }
  if (spec.imports.has(decl.type)) {
    out.push({ kind: 'import', start, end, declStart: node.startIndex, name: '', bodyStart: -1, bodyEnd: -1, parent });
    return;
  }
  const fn = spec.functions.has(decl.type) ? decl : assignedFunction(decl);
  if (fn !== undefined && context !== 'body') {
    const body = fn.childForFieldName('body');
    const kind: CodeItemKind = context === 'class' ? 'method' : 'function';
    if (body === null) {
      out.push({ kind: 'statement', start, end, declStart: node.startIndex, name: nameOf(decl), bodyStart: -1, bodyEnd: -1, parent });
      return;
    }
    out.push({
      kind,
      start,
      end,
      declStart: node.startIndex,
      name: nameOf(fn === decl ? decl : decl),
      bodyStart: body.startIndex,
      bodyEnd: body.endIndex,
      parent,
    });
    addBlocks(
      text,
      body.namedChildren.filter((c): c is TsNode => c !== null),
      index,
      out,
    );
    return;
  }
  if (spec.classes.has(decl.type) && context !== 'body') {
    const body = classBody(decl);
    if (body === undefined) {
      out.push({ kind: 'class', start, end, declStart: node.startIndex, name: nameOf(decl), bodyStart: -1, bodyEnd: -1, parent });
      return;
    }
    out.push({ kind: 'class', start, end, declStart: node.startIndex, name: nameOf(decl), bodyStart: body.start, bodyEnd: body.end, parent });
    collect(text, spec, body.members, index, 'class', out);
    return;
  }
  out.push({ kind: 'statement', start, end, declStart: node.startIndex, name: nameOf(decl), bodyStart: -1, bodyEnd: -1, parent });
}

/** Blocks of a function body: runs of statements without a blank line between them, at most 12 lines each. */
function addBlocks(text: string, statements: readonly TsNode[], parent: number, out: CodeItem[]): void {
  let start = -1;
  let end = -1;
  let lines = 0;
  const flush = (): void => {
    if (start >= 0) out.push({ kind: 'block', start, end, declStart: start, name: '', bodyStart: -1, bodyEnd: -1, parent });
    start = -1;
    lines = 0;
  };
  for (const s of statements) {
    if (start >= 0 && (hasBlankLineBetween(text, end, s.startIndex) || lines >= 12)) flush();
    if (start < 0) start = s.startIndex;
    end = s.endIndex;
    lines += s.endPosition.row - s.startPosition.row + 1;
  }
  flush();
}
