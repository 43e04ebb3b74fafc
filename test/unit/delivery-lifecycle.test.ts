import { expect } from 'chai';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import {
  ACTIVE_STATUSES,
  ARRIVAL_STATUS,
  DELIVERY_STATUSES,
  FINAL_STATUSES,
  GEOFENCE_FOR,
  STOP_AHEAD,
  TRANSITIONS,
  isActive,
  isFinal,
  type DeliveryStatus,
} from '../../domain/delivery/model.js';
import { VEHICLES } from '../../domain/shared/vehicles.js';

const ROOT = path.resolve(__dirname, '../..');
/** Production code outside domain/: everything that must import the lifecycle rather than restate it. */
const SCANNED = ['api', 'server', 'workers', 'geo', 'infra', 'scripts'];

function sourceFiles(dir: string): string[] {
  const abs = path.join(ROOT, dir);
  let names: string[];
  try {
    names = readdirSync(abs);
  } catch {
    return [];
  }
  return names.flatMap((n) => {
    const rel = path.join(dir, n);
    if (statSync(path.join(ROOT, rel)).isDirectory()) return sourceFiles(rel);
    return /\.(ts|js|cjs|mjs)$/.test(n) && !n.endsWith('.d.ts') ? [rel] : [];
  });
}

interface Finding {
  where: string;
  what: string;
}

/**
 * Places outside domain/ that restate lifecycle knowledge: a list (array,
 * union type) holding two or more delivery statuses or vehicles, or a
 * comparison against a delivery status. Each is a copy of a rule that
 * domain/ owns, and the copy is where a new status goes missing.
 */
function restatements(file: string, text: string): Finding[] {
  const statuses = new Set<string>(DELIVERY_STATUSES);
  const vehicles = new Set<string>(VEHICLES);
  const src = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const found: Finding[] = [];
  const at = (n: ts.Node) => `${file}:${src.getLineAndCharacterOfPosition(n.getStart(src)).line + 1}`;
  const literal = (n: ts.Node): string | null => {
    if (ts.isStringLiteralLike(n)) return n.text;
    if (ts.isLiteralTypeNode(n) && ts.isStringLiteral(n.literal)) return n.literal.text;
    return null;
  };
  const listOf = (items: readonly ts.Node[], n: ts.Node) => {
    const values = items.map(literal).filter((v): v is string => v !== null);
    const s = values.filter((v) => statuses.has(v));
    const v = values.filter((x) => vehicles.has(x));
    if (s.length >= 2) found.push({ where: at(n), what: `delivery status list [${s.join(', ')}]` });
    if (v.length >= 2) found.push({ where: at(n), what: `vehicle list [${v.join(', ')}]` });
  };
  const visit = (n: ts.Node): void => {
    if (ts.isArrayLiteralExpression(n)) listOf(n.elements, n);
    if (ts.isUnionTypeNode(n)) listOf(n.types, n);
    if (ts.isBinaryExpression(n) && [ts.SyntaxKind.EqualsEqualsEqualsToken, ts.SyntaxKind.ExclamationEqualsEqualsToken, ts.SyntaxKind.EqualsEqualsToken, ts.SyntaxKind.ExclamationEqualsToken].includes(n.operatorToken.kind)) {
      for (const side of [n.left, n.right]) {
        const v = literal(side);
        if (v !== null && statuses.has(v)) found.push({ where: at(n), what: `comparison with status '${v}'` });
      }
    }
    if (ts.isCaseClause(n)) {
      const v = literal(n.expression);
      if (v !== null && statuses.has(v)) found.push({ where: at(n), what: `case '${v}'` });
    }
    ts.forEachChild(n, visit);
  };
  visit(src);
  return found;
}

describe('one delivery lifecycle (domain/delivery/model.ts)', () => {
  it('when production code outside domain/ is scanned, then no delivery status list, status comparison or vehicle list is restated there', () => {
    const files = SCANNED.flatMap(sourceFiles);
    expect(files.length, 'the scan found no files: the folder list is stale').to.be.greaterThan(50);
    const found = files.flatMap((f) => restatements(f, readFileSync(path.join(ROOT, f), 'utf8')));
    expect(found.map((f) => `${f.where}: ${f.what}`), 'import the rule from domain/delivery/model.ts or domain/shared/vehicles.ts instead').to.deep.equal([]);
  });

  it('when a status list is copied into a file outside domain/, then the scan names it (the check can fail)', () => {
    const found = restatements('server/x.ts', "const ACTIVE = new Set(['assigned', 'at_pickup', 'returned']);\nif (d.status === 'picked_up') go();\ntype V = 'bike' | 'van';\n");
    expect(found.map((f) => f.what)).to.deep.equal(["delivery status list [assigned, at_pickup]", "comparison with status 'picked_up'", 'vehicle list [bike, van]']);
  });

  it('when the lifecycle is read, then active, final and the transition table agree', () => {
    for (const s of DELIVERY_STATUSES) {
      expect(isFinal(s), s).to.equal(TRANSITIONS[s].length === 0);
      expect(isActive(s), s).to.equal(ACTIVE_STATUSES.includes(s));
      expect(isActive(s) && isFinal(s), s).to.equal(false);
      // A courier is on the way to a stop exactly while the delivery is active.
      expect(STOP_AHEAD[s] !== null, s).to.equal(isActive(s));
    }
    expect([...FINAL_STATUSES].sort()).to.deep.equal(DELIVERY_STATUSES.filter((s) => TRANSITIONS[s].length === 0).sort());
  });

  it('when a courier is inside a geofence, then the arrival it records is the next step from the status that placed it', () => {
    for (const [status, stop] of Object.entries(GEOFENCE_FOR) as [DeliveryStatus, 'pickup' | 'dropoff'][]) {
      expect(STOP_AHEAD[status], status).to.equal(stop);
      expect(TRANSITIONS[status], status).to.include(ARRIVAL_STATUS[stop]);
    }
  });
});
