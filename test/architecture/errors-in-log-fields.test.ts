import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

/**
 * A failure goes into a log line as the thrown value itself (`{ err: error }`): the logger renders
 * its message and cause chain, and its stacks at debug (src/logging/winston-logger.ts). A log
 * call that cuts it down first (`String(error)`, `error.message`, `${error}`, errorMessage(error))
 * loses the cause and the stack; this fails on a new one, with the file and line named.
 */
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SCANNED = ['src', 'agent', 'sim'];
const LOG_METHODS = new Set(['debug', 'info', 'warn', 'error']);
/** The names a caught value goes by in this code base (`classified` is `classify(error)`: its message drops the cause too). */
const CAUGHT = /^(e|err|error|caught|cause|reason|classified)$/;

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sources(path);
    return path.endsWith('.ts') && !path.endsWith('.test.ts') ? [path] : [];
  });
}

/** A caught value by its name, or passed through classify() (whose message drops the cause as well). */
const isCaught = (node: ts.Node): boolean =>
  (ts.isIdentifier(node) && CAUGHT.test(node.text)) ||
  (ts.isCallExpression(node) && ts.isIdentifier(node.expression) && node.expression.text === 'classify' && node.arguments.some(isCaught));

/** What in a log call's fields cuts a caught value down to text, if anything. */
function cutDown(node: ts.Node): string | null {
  if (ts.isCallExpression(node) && ts.isIdentifier(node.expression) && ['String', 'errorMessage'].includes(node.expression.text)) {
    const [argument] = node.arguments;
    if (argument !== undefined && isCaught(argument)) return `${node.expression.text}(${argument.getText()})`;
  }
  if (ts.isPropertyAccessExpression(node) && node.name.text === 'message' && isCaught(node.expression)) return node.getText();
  if (ts.isTemplateSpan(node) && isCaught(node.expression)) return `\${${node.expression.getText()}}`;
  return ts.forEachChild(node, cutDown) ?? null;
}

function offendersIn(path: string, text = readFileSync(join(ROOT, path), 'utf8')): string[] {
  const file = ts.createSourceFile(path, text, ts.ScriptTarget.Latest, true);
  const found: string[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isCallExpression(node) && ts.isPropertyAccessExpression(node.expression) && LOG_METHODS.has(node.expression.name.text)) {
      // The message is the first argument; the fields follow.
      for (const field of node.arguments.slice(1)) {
        const what = cutDown(field);
        if (what !== null) found.push(`${path}:${file.getLineAndCharacterOfPosition(field.getStart()).line + 1} ${what}`);
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
  return found;
}

const files = SCANNED.flatMap((dir) => sources(join(ROOT, dir))).map((path) => relative(ROOT, path).split('\\').join('/'));

describe('errors travel whole in log fields', () => {
  it('finds the sources it scans', () => {
    expect(files).toContain('src/reconcile/move.ts');
  });

  it('recognises each way of cutting an error down', () => {
    const sample = [
      "logger.warn('a', { error: String(error) });",
      "logger.warn('b', { error: error.message });",
      'log.error(`c`, { why: `failed: ${err}` });',
      "this.logger.info('d', { detail: errorMessage(caught) });",
      "logger.warn('e', { code: classified.code, error: classified.message });",
      "this.log.error('f', { error: classify(error).message });",
      "logger.warn('fine', { err: error, message: other.message });",
    ].join('\n');
    const found = offendersIn('sample.ts', sample).map((line) => line.slice(line.indexOf(' ') + 1));
    expect(found).toEqual(['String(error)', 'error.message', '${err}', 'errorMessage(caught)', 'classified.message', 'classify(error).message']);
  });

  it('no log call passes a caught value as text', () => {
    expect(files.flatMap((path) => offendersIn(path))).toEqual([]);
  });
});
