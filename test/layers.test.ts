/**
 * scripts/layers.mjs, the layer check `npm test` runs first: it fails on an upward import
 * naming file, line, arrow and rule; it passes on the real tree; imports in comments and
 * template strings are not imports, while `import type`, `export … from` and `import()` are.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const checker = path.join(repo, 'scripts/layers.mjs');

function run(root?: string): { status: number | null; out: string } {
  const r = spawnSync(process.execPath, root ? [checker, root] : [checker], { encoding: 'utf8' });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

/** Runs the checker on a scratch repo holding `files` (path → text), removed after the test. */
function checkTree(t: TestContext, files: Record<string, string>): { status: number | null; out: string } {
  const root = mkdtempSync(path.join(tmpdir(), 'layers-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    writeFileSync(path.join(root, rel), text);
  }
  return run(root);
}

/** The reported places (`file:line: arrow`), sorted. */
function reported(out: string): string[] {
  return out.split('\n').filter((l) => /^src\//.test(l)).map((l) => l.split(' (')[0]!).sort();
}

test('an upward import fails the check, naming file:line, the arrow and the rule', (t) => {
  const r = checkTree(t, {
    'src/hub/hub.ts': 'export class ChartHub {}\n',
    'src/feeds/replay/feed.ts': "import { x } from '../../core/types.js';\n\nimport type { ChartHub } from '../../hub/hub.js';\nexport const y = x;\n",
    'src/core/types.ts': 'export const x = 1;\n',
  });
  assert.equal(r.status, 1, r.out);
  assert.match(r.out, /src\/feeds\/replay\/feed\.ts:3: feeds → hub \(import type '\.\.\/\.\.\/hub\/hub\.js'\)/);
  assert.match(r.out, /feeds may import only core, calendar, store/);
  assert.doesNotMatch(r.out, /feed\.ts:1:/, 'core is below feeds');
});

test('every import form counts; comments, template strings and tests do not', (t) => {
  const r = checkTree(t, {
    'src/hub/hub.ts': 'export const h = 1;\n',
    'src/core/ok.ts': [
      "// import { h } from '../hub/hub.js';",
      "/* export * from '../hub/hub.js'; */",
      "const text = `import { h } from '../hub/hub.js'`;",
      "const re = /from '..\\/hub\\/hub.js'/;",
      'export const ok = [text, re];',
      '',
    ].join('\n'),
    'src/core/ok.test.ts': "import { h } from '../hub/hub.js';\n",
    'src/core/reexport.ts': "export {\n  h,\n} from '../hub/hub.js';\n",
    'src/core/lazy.ts': "export const load = () => import('../hub/hub.js');\n",
    'src/store/types.ts': "export type H = typeof import('../hub/hub.js');\n",
  });
  assert.equal(r.status, 1, r.out);
  assert.deepEqual(reported(r.out), ['src/core/lazy.ts:1: core → hub', 'src/core/reexport.ts:1: core → hub', 'src/store/types.ts:1: store → hub']);
});

test('a folder without a layer is reported so it gets a place in the rules', (t) => {
  const r = checkTree(t, { 'src/newthing/index.ts': 'export const n = 1;\n' });
  assert.equal(r.status, 1, r.out);
  assert.match(r.out, /src\/newthing\/index\.ts:1: src\/newthing \(no layer\)/);
});

test('the broker model sits below the store, the broker services above it', (t) => {
  const r = checkTree(t, {
    'src/broker/types.ts': "import type { StoredExit } from '../store/trading.js';\nexport interface Order { id: string; exit?: StoredExit }\n",
    'src/store/trading.ts': "import type { Order } from '../broker/types.js';\nimport type { ExitManager } from '../broker/exits.js';\nexport interface StoredExit { o?: Order; m?: ExitManager }\n",
    'src/broker/exits.ts': "import type { StoredExit } from '../store/trading.js';\nexport class ExitManager { e?: StoredExit }\n",
  });
  assert.equal(r.status, 1, r.out);
  assert.deepEqual(reported(r.out), ['src/broker/types.ts:1: broker/model → store', 'src/store/trading.ts:2: store → broker']);
});

test('the real tree passes', () => {
  const r = run();
  assert.equal(r.status, 0, r.out);
  assert.match(r.out, /every import points down/);
});
