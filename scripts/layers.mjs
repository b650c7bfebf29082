#!/usr/bin/env node
/**
 * `npm run check:layers` — the allowed import arrows between the folders of src/ (and what
 * web/ may take from src/), written once here and checked on every `npm test`.
 *
 * DESIGN.md "Architecture": imports point down. LAYERS lists the layers from the bottom
 * up; each names the layers it may import. A layer may only name layers listed before it,
 * so the arrows cannot form a cycle (checked at start). Imports inside one layer are free.
 * A layer is a folder under src/ or, where a folder holds two levels, a list of files
 * (the broker's order model sits below the store that keeps its books; the broker's
 * services above it). The longest matching path decides a file's layer.
 *
 * Every form of import counts: `import … from`, `import type … from`, `export … from`,
 * `import '…'`, `import('…')` (also in type positions) and `require('…')`. Only relative
 * specifiers are checked; packages are not layers. Test files (`*.test.ts`) are exempt:
 * a test may assemble higher layers to drive a lower one, as test/ does.
 *
 * Usage: node scripts/layers.mjs [repo-root]   (exit 1 and file:line per violation)
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Bottom up. `may`: the layers this one may import; 'below' = every layer listed before it. */
export const LAYERS = [
  { name: 'core', paths: ['src/core'], may: [], why: 'types and pure helpers every layer shares' },
  { name: 'calendar', paths: ['src/calendar'], may: ['core'], why: 'NYSE sessions and New York time' },
  { name: 'stats', paths: ['src/stats'], may: ['core', 'calendar'], why: 'shared statistics, pure' },
  {
    name: 'broker/model',
    paths: ['src/broker/types', 'src/broker/state', 'src/broker/money', 'src/broker/order', 'src/broker/fees', 'src/broker/ledger'],
    may: ['core', 'calendar'],
    why: 'the order model (orders, fills, money, fees) that the store keeps and every broker uses',
  },
  { name: 'store', paths: ['src/store'], may: ['core', 'calendar', 'broker/model'], why: 'persistence; knows the domain model, no services' },
  { name: 'audit', paths: ['src/audit'], may: ['core', 'calendar', 'store'], why: 'the audit trail over the store' },
  { name: 'feeds', paths: ['src/feeds'], may: ['core', 'calendar', 'store'], why: 'market data in; never knows who listens (no hub)' },
  { name: 'bars', paths: ['src/bars'], may: ['core', 'calendar', 'stats', 'store'], why: 'the bar engine, one writer per series' },
  { name: 'options', paths: ['src/options'], may: ['core', 'calendar', 'stats', 'store', 'feeds'], why: 'the pure options core (chain, BSM, IV, flat-file readers)' },
  { name: 'indicators', paths: ['src/indicators'], may: ['core', 'calendar', 'stats', 'store', 'bars', 'options'], why: 'indicators and overlays over bars' },
  {
    name: 'broker',
    paths: ['src/broker'],
    may: ['core', 'calendar', 'stats', 'broker/model', 'store', 'options'],
    why: 'brokers (paper, Alpaca) and the exit manager, over the order model and the store',
  },
  { name: 'risk', paths: ['src/risk'], may: ['core', 'calendar', 'stats', 'broker/model', 'store', 'audit', 'options', 'broker'], why: 'pre-trade checks; the only way to a broker' },
  { name: 'strategies', paths: ['src/strategies'], may: ['core', 'calendar', 'stats', 'broker/model', 'bars', 'indicators', 'options'], why: 'strategy code, broker- and clock-free' },
  { name: 'checklist', paths: ['src/checklist'], may: ['core', 'calendar', 'stats', 'store', 'bars', 'indicators', 'options'], why: 'the entry checklist and grade' },
  { name: 'screener', paths: ['src/screener'], may: ['core', 'calendar', 'stats', 'store', 'bars', 'indicators', 'options'], why: 'option screens (covered calls)' },
  { name: 'scanner', paths: ['src/scanner'], may: ['core', 'calendar', 'stats', 'store', 'bars', 'indicators', 'options', 'checklist', 'screener'], why: 'the market scanner' },
  {
    name: 'backtest',
    paths: ['src/backtest'],
    may: ['core', 'calendar', 'stats', 'broker/model', 'store', 'bars', 'indicators', 'options', 'broker', 'risk', 'strategies'],
    why: 'strategies driven by a historical clock',
  },
  {
    name: 'journal',
    paths: ['src/journal'],
    may: ['core', 'calendar', 'stats', 'broker/model', 'store', 'audit', 'feeds', 'bars', 'options', 'broker', 'risk', 'checklist'],
    why: 'trades, reviews and screenshots',
  },
  {
    name: 'engine',
    paths: ['src/engine'],
    may: ['core', 'calendar', 'stats', 'broker/model', 'store', 'audit', 'bars', 'indicators', 'options', 'broker', 'risk', 'strategies', 'backtest'],
    why: 'the strategy engine and automation: strategies → risk → broker',
  },
  {
    name: 'wire',
    paths: ['src/wire'],
    // The wire describes what the domain layers produce, so it sits above all of them and
    // below everything that serves it: no domain layer can reach the hub through it.
    may: 'below',
    why: 'zod schemas and message shapes shared by hub, services, server and web',
  },
  { name: 'hub', paths: ['src/hub'], may: 'below', why: 'ChartHub and its socket streams; everything it serves is below it' },
  { name: 'services', paths: ['src/services'], may: 'below', why: 'application services around the hub (the option chain)' },
  { name: 'server', paths: ['src/server'], may: 'below', why: 'HTTP and Socket.IO wiring' },
  { name: 'cli', paths: ['src/cli'], may: 'below', why: 'the command line' },
  // The dashboard bundles what it imports: only wire shapes and pure helpers, no server code.
  { name: 'web', paths: ['web'], may: ['core', 'wire', 'broker/model', 'broker', 'journal', 'hub', 'stats'], why: 'the browser dashboard (types and pure helpers only)' },
];

const SOURCE_RE = /\.(ts|tsx|mts|cts|js|mjs|cjs)$/;
const TEST_RE = /\.test\.(ts|tsx|mts|js|mjs)$/;

/** The allowed arrows, resolved ('below' expanded); throws when a layer names a later or unknown one. */
export function allowedArrows(layers = LAYERS) {
  const seen = [];
  const out = new Map();
  for (const layer of layers) {
    const may = layer.may === 'below' ? [...seen] : layer.may;
    for (const target of may) {
      if (!seen.includes(target)) {
        throw new Error(`layers.mjs: "${layer.name}" may import "${target}", which is not a layer listed before it (arrows must point down)`);
      }
    }
    out.set(layer.name, new Set(may));
    seen.push(layer.name);
  }
  return out;
}

/** The layer of a repo-relative path ('src/hub/hub.ts'), by the longest matching layer path; null outside every layer. */
export function layerOf(rel, layers = LAYERS) {
  const bare = rel.replace(SOURCE_RE, '');
  let best = null;
  let bestLength = -1;
  for (const layer of layers) {
    for (const p of layer.paths) {
      if ((bare === p || rel.startsWith(`${p}/`)) && p.length > bestLength) {
        best = layer;
        bestLength = p.length;
      }
    }
  }
  return best;
}

/**
 * The source with comments and template-literal text blanked (newlines kept, so offsets
 * and line numbers stay), so an import written in a comment or in a template string (a
 * test writing a file) is not taken for one. Quoted strings stay: specifiers live there.
 */
export function maskSource(src) {
  const out = src.split('');
  const blank = (from, to) => {
    for (let k = from; k < to; k++) if (out[k] !== '\n') out[k] = ' ';
  };
  // A stack of contexts: code (with its brace depth) and template literals around `${…}`.
  const stack = [{ code: true, depth: 0 }];
  let prev = ''; // last significant code character, to tell a regex from a division
  let word = ''; // last identifier, for `return /re/`
  let i = 0;
  const n = src.length;
  while (i < n) {
    const top = stack[stack.length - 1];
    const c = src[i];
    if (!top.code) {
      if (c === '\\') { blank(i, i + 2); i += 2; continue; }
      if (c === '`') { stack.pop(); prev = '`'; i++; continue; }
      if (c === '$' && src[i + 1] === '{') { stack.push({ code: true, depth: 0 }); prev = '{'; i += 2; continue; }
      blank(i, i + 1);
      i++;
      continue;
    }
    const d = src[i + 1];
    if (c === '/' && d === '/') {
      const end = src.indexOf('\n', i);
      const stop = end < 0 ? n : end;
      blank(i, stop);
      i = stop;
      continue;
    }
    if (c === '/' && d === '*') {
      const end = src.indexOf('*/', i + 2);
      const stop = end < 0 ? n : end + 2;
      blank(i, stop);
      i = stop;
      continue;
    }
    if (c === '"' || c === "'") {
      let j = i + 1;
      while (j < n && src[j] !== c && src[j] !== '\n') j += src[j] === '\\' ? 2 : 1;
      i = j + 1;
      prev = c;
      word = '';
      continue;
    }
    if (c === '`') { stack.push({ code: false }); i++; continue; }
    if (c === '/' && (prev === '' || '(,=:[!&|?{};+-*%<>~^'.includes(prev) || /^(return|typeof|case|do|else|in|of|new|delete|void|throw|yield|await)$/.test(word))) {
      // A regex literal: skip to its closing slash on the same line (classes may hold '/').
      let j = i + 1;
      let inClass = false;
      while (j < n && src[j] !== '\n') {
        if (src[j] === '\\') { j += 2; continue; }
        if (src[j] === '[') inClass = true;
        else if (src[j] === ']') inClass = false;
        else if (src[j] === '/' && !inClass) break;
        j++;
      }
      if (j < n && src[j] === '/') {
        blank(i + 1, j);
        i = j + 1;
        prev = '/';
        word = 'regex';
        continue;
      }
    }
    if (c === '{') top.depth++;
    if (c === '}') {
      if (top.depth === 0 && stack.length > 1) { stack.pop(); i++; continue; }
      top.depth--;
    }
    if (/[\w$]/.test(c)) {
      let j = i;
      while (j < n && /[\w$]/.test(src[j])) j++;
      word = src.slice(i, j);
      prev = 'a';
      i = j;
      continue;
    }
    if (!/\s/.test(c)) { prev = c; word = ''; }
    i++;
  }
  return out.join('');
}

// `import x from '…'`, `import type { A } from '…'`, `export * as ns from '…'`: the clause
// between keyword and `from` holds only names, braces, commas, `*` and spaces.
const IMPORT_PATTERNS = [
  /(?<![\w$.])(import|export)(\s+type)?\s+[\w$\s{},*]*?\bfrom\s*(['"])([^'"\n]+)\3/g,
  /(?<![\w$.])(import)()\s*(['"])([^'"\n]+)\3/g,
  /(?<![\w$.])(import)()\s*\(\s*(['"])([^'"\n]+)\3/g,
  /(?<![\w$.])(require)()\s*\(\s*(['"])([^'"\n]+)\3/g,
];

/** The imports of one file: {line, specifier, kind}. */
export function importsOf(src) {
  const masked = maskSource(src);
  const found = new Map();
  for (const re of IMPORT_PATTERNS) {
    re.lastIndex = 0;
    for (let m = re.exec(masked); m; m = re.exec(masked)) {
      if (found.has(m.index)) continue;
      const line = masked.slice(0, m.index).split('\n').length;
      const kind = m[1] === 'require' ? 'require' : re === IMPORT_PATTERNS[2] ? 'import()' : `${m[1]}${m[2] ? ' type' : ''}`;
      found.set(m.index, { line, specifier: m[4], kind });
    }
  }
  return [...found.entries()].sort((a, b) => a[0] - b[0]).map(([, v]) => v);
}

function walk(dir, root, out) {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return out;
  }
  for (const e of entries) {
    if (e.name === 'node_modules' || e.name === 'dist' || e.name.startsWith('.')) continue;
    const p = path.join(dir, e.name);
    if (e.isDirectory()) walk(p, root, out);
    else if (SOURCE_RE.test(e.name) && !e.name.endsWith('.d.ts')) out.push(path.relative(root, p).split(path.sep).join('/'));
  }
  return out;
}

/** Checks every source file under src/ and web/src/ of `root`; returns the violations. */
export function checkLayers(root, layers = LAYERS) {
  const arrows = allowedArrows(layers);
  const files = [...walk(path.join(root, 'src'), root, []), ...walk(path.join(root, 'web/src'), root, [])].sort();
  const violations = [];
  for (const file of files) {
    if (TEST_RE.test(file)) continue;
    const from = layerOf(file, layers);
    const src = readFileSync(path.join(root, file), 'utf8');
    if (!from) {
      violations.push({ file, line: 1, arrow: `${file.split('/').slice(0, 2).join('/')} (no layer)`, rule: 'every folder of src/ needs a place in LAYERS (scripts/layers.mjs): add it with the layers it may import' });
      continue;
    }
    for (const imp of importsOf(src)) {
      if (!imp.specifier.startsWith('.')) continue;
      const target = path.posix.normalize(path.posix.join(path.posix.dirname(file), imp.specifier));
      if (target.startsWith('..')) continue; // outside the repo
      const to = layerOf(target, layers);
      const where = `${file}:${imp.line}`;
      if (!to) {
        if (target.startsWith('test/') || target.startsWith('bench/') || (target.startsWith('web/') && from.name !== 'web') || (target.startsWith('src/') && !statExists(root, target))) {
          violations.push({ file, line: imp.line, where, arrow: `${from.name} → ${target}`, kind: imp.kind, specifier: imp.specifier, rule: `${from.name} may import only src/ layers (${[...arrows.get(from.name)].join(', ') || 'nothing'})` });
        }
        continue;
      }
      if (to.name === from.name || arrows.get(from.name).has(to.name)) continue;
      const may = [...arrows.get(from.name)];
      violations.push({
        file,
        line: imp.line,
        arrow: `${from.name} → ${to.name}`,
        kind: imp.kind,
        specifier: imp.specifier,
        rule: `${from.name} may import only ${may.length ? may.join(', ') : 'nothing outside itself'} (${from.name}: ${from.why})`,
      });
    }
  }
  return violations;
}

function statExists(root, target) {
  for (const ext of ['', '.ts', '.tsx', '.js', '.mjs']) {
    try {
      statSync(path.join(root, target.replace(/\.(js|mjs)$/, '') + ext));
      return true;
    } catch {
      /* try the next extension */
    }
  }
  try {
    statSync(path.join(root, target));
    return true;
  } catch {
    return false;
  }
}

/** The arrows as a table, one layer a line, bottom up. */
export function arrowTable(layers = LAYERS) {
  const arrows = allowedArrows(layers);
  return layers.map((l) => `${l.name.padEnd(13)} → ${[...arrows.get(l.name)].join(', ') || '(nothing)'}`).join('\n');
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  if (args.includes('--table')) {
    console.log(arrowTable());
    process.exit(0);
  }
  const root = path.resolve(args[0] ?? path.join(path.dirname(fileURLToPath(import.meta.url)), '..'));
  const violations = checkLayers(root);
  for (const v of violations) {
    console.error(`${v.file}:${v.line}: ${v.arrow}${v.kind ? ` (${v.kind} '${v.specifier}')` : ''}: ${v.rule}`);
  }
  if (violations.length > 0) {
    console.error(`\n${violations.length} import(s) break the layers of DESIGN.md (rules in scripts/layers.mjs; \`node scripts/layers.mjs --table\` prints them).`);
    process.exit(1);
  }
  console.log('layers: every import points down (scripts/layers.mjs)');
}
