import { expect } from 'chai';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

const ROOT = path.resolve(__dirname, '../..');
const LAYERS = ['api', 'server', 'workers', 'geo', 'domain', 'infra'];
const CONTAINER = 'infra/container.ts';
const WIRING = 'infra/wiring/';
/** awilix registrations: a `new` inside one of these calls is the container building the object. */
const REGISTRATIONS = new Set(['asFunction', 'asClass', 'asValue']);

function sourceFiles(dir: string): string[] {
  return readdirSync(path.join(ROOT, dir)).flatMap((n) => {
    const rel = `${dir}/${n}`;
    if (statSync(path.join(ROOT, rel)).isDirectory()) return sourceFiles(rel);
    return n.endsWith('.ts') && !n.endsWith('.d.ts') ? [rel] : [];
  });
}
const layerOf = (file: string) => file.split('/')[0]!;

/**
 * `new` of one of our classes from another layer (or, in infra/wiring/, outside a
 * container registration). A layer may compose its own parts; building another
 * layer's services is wiring, and wiring lives in the container.
 */
function strayConstructions(file: string, text: string): string[] {
  const src = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const importedFrom = new Map<string, string>();
  for (const stmt of src.statements) {
    if (!ts.isImportDeclaration(stmt) || !ts.isStringLiteral(stmt.moduleSpecifier)) continue;
    const spec = stmt.moduleSpecifier.text;
    if (!spec.startsWith('.')) continue; // a library's class, not ours
    const target = path.posix.normalize(path.posix.join(path.posix.dirname(file), spec));
    const names = stmt.importClause?.namedBindings;
    if (names && ts.isNamedImports(names)) for (const el of names.elements) importedFrom.set(el.name.text, target);
    if (stmt.importClause?.name) importedFrom.set(stmt.importClause.name.text, target);
  }
  const inRegistration = (n: ts.Node): boolean => {
    for (let p = n.parent; p; p = p.parent) {
      if (ts.isCallExpression(p) && ts.isIdentifier(p.expression) && REGISTRATIONS.has(p.expression.text)) return true;
    }
    return false;
  };
  const found: string[] = [];
  const visit = (n: ts.Node): void => {
    if (ts.isNewExpression(n) && ts.isIdentifier(n.expression)) {
      const target = importedFrom.get(n.expression.text);
      if (target !== undefined) {
        const where = `${file}:${src.getLineAndCharacterOfPosition(n.getStart(src)).line + 1} new ${n.expression.text}`;
        // domain/shared holds values (errors, coordinates), not services: anyone may make one.
        const crossLayer = layerOf(target) !== layerOf(file) && !target.startsWith('domain/shared/');
        if (file.startsWith(WIRING) && !inRegistration(n)) found.push(`${where} (outside a container registration)`);
        else if (crossLayer && file !== CONTAINER && !file.startsWith(WIRING)) found.push(`${where} (from ${target})`);
      }
    }
    ts.forEachChild(n, visit);
  };
  visit(src);
  return found;
}

/** String and template literals that start with a Redis key prefix of ours. */
function hardCodedPrefixes(file: string, text: string, prefix: string): string[] {
  const src = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const found: string[] = [];
  const visit = (n: ts.Node): void => {
    const value = ts.isStringLiteralLike(n) ? n.text : ts.isTemplateExpression(n) ? n.head.text : null;
    if (value !== null && value.replace(/^\{/, '').startsWith(prefix)) found.push(`${file}:${src.getLineAndCharacterOfPosition(n.getStart(src)).line + 1} ${JSON.stringify(value)}`);
    ts.forEachChild(n, visit);
  };
  visit(src);
  return found;
}

describe('wiring in one place (infra/container.ts and infra/wiring/)', () => {
  const files = LAYERS.flatMap(sourceFiles);
  const read = (f: string) => readFileSync(path.join(ROOT, f), 'utf8');

  it('when production code is scanned, then another layer\'s classes are built only in the container', () => {
    expect(files).to.include(CONTAINER);
    expect(files.flatMap((f) => strayConstructions(f, read(f)))).to.deep.equal([]);
  });

  it('when a start function builds a service itself, then the scan names it (the check can fail)', () => {
    const text = "import { CourierPresence } from '../../server/presence.js';\nimport { asFunction } from 'awilix';\nexport const ok = asFunction(() => new CourierPresence());\nexport function startRealtime() { return new CourierPresence(); }\n";
    expect(strayConstructions('infra/wiring/realtime.ts', text)).to.deep.equal(['infra/wiring/realtime.ts:4 new CourierPresence (outside a container registration)']);
    expect(strayConstructions('server/hub.ts', "import { Metrics } from '../infra/metrics.js';\nexport const m = new Metrics();\n")).to.deep.equal(['server/hub.ts:2 new Metrics (from infra/metrics.js)']);
  });

  it('when production code is scanned, then no Redis key prefix is written out: it comes from config (REDIS_KEY_PREFIX)', () => {
    const found = files.filter((f) => f !== 'infra/config.ts').flatMap((f) => hardCodedPrefixes(f, read(f), 'daraa:'));
    // Not keys: a label that separates the OTP key derivation from other uses of the JWT secret, and the
    // client names Redis shows in CLIENT LIST. Changing either with the deployment's prefix would be wrong.
    const notKeys = [/^infra\/container\.ts:\d+ "daraa:otp"$/, /^infra\/redis\.ts:\d+ "daraa:"$/];
    expect(found.filter((f) => !notKeys.some((re) => re.test(f)))).to.deep.equal([]);
    expect(hardCodedPrefixes('x.ts', 'const k = `{daraa:${name}}`;', 'daraa:')).to.have.length(1);
  });

  it('when the API\'s route files are read, then the only interfaces they export are their own deps (ports live in domain/)', () => {
    const exported = sourceFiles('api/routes').flatMap((f) => [...read(f).matchAll(/^export interface (\w+)/gm)].map((m) => `${f} ${m[1]}`));
    expect(exported.filter((e) => !/Deps$/.test(e))).to.deep.equal([]);
  });
});
