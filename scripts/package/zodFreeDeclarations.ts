/**
 * `npm run build`'s second step: rewrites the emitted `dist/**\/*.d.ts` so that no shipped declaration imports zod.
 *
 * WHY: zod's CommonJS declarations (`zod/v4/locales/*.d.cts`) only type-check with `esModuleInterop`, which the
 * standard Pulumi TypeScript template (`pulumi new kubernetes-typescript`) does not set, and that template does not
 * set `skipLibCheck` either; zod's maintainers treat it as the consumer's setting (colinhacks/zod#5160). Our config
 * types are `z.infer<...>` of internal schemas, so every consumer would load zod's declarations through ours.
 *
 * What it does, per declaration file that imports zod:
 * - a type alias whose right-hand side mentions zod (or a removed declaration) is replaced by the structural type
 *   the checker computes for it (`InferenceConfig = { image: {...}; ... }`), which is what the consumer sees anyway;
 * - a variable or function whose type mentions zod is kept with expanded types when they are zod-free, otherwise
 *   (the schemas themselves, helpers taking a `z.ZodType`) removed from the declarations: it stays in the JavaScript,
 *   for this repository's own code, but is not part of the package's typed API;
 * - imports that nothing uses any more are dropped, and the same removals are applied to other files' imports and
 *   re-exports of a removed name.
 * - a generic interface over zod types (a component's `ComponentConfig<T>`) is removed the same way;
 * Anything else it cannot rewrite (a non-generic interface or a class member typed by zod) fails the build naming
 * the declaration.
 */
import { readdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import ts from "typescript";

const ZOD_MODULE = /^zod(\/|$)/;
/** Text a zod-free type must not contain: zod's type names, its namespace, or an inline import. */
const ZOD_TEXT = /\$?Zod[A-Z]\w*|\bz\.|\bcore\.\$|import\(/;
const PRINT_FLAGS =
  ts.NodeBuilderFlags.NoTruncation |
  ts.NodeBuilderFlags.InTypeAlias |
  ts.NodeBuilderFlags.MultilineObjectLiterals |
  ts.NodeBuilderFlags.IgnoreErrors;

class DeclarationRewriteError extends Error {
  constructor(file: string, problem: string) {
    super(`${file}: ${problem}`);
    this.name = "DeclarationRewriteError";
  }
}

function declarationFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith(".d.ts"))
    .map((entry) => resolve(join(entry.parentPath, entry.name)));
}

/** Identifiers a node mentions (any position: good enough to follow names through declarations). */
function identifiersOf(node: ts.Node, into = new Set<string>()): Set<string> {
  if (ts.isIdentifier(node)) into.add(node.text);
  ts.forEachChild(node, (child) => void identifiersOf(child, into));
  return into;
}

function mentions(node: ts.Node | undefined, names: ReadonlySet<string>): boolean {
  if (node === undefined) return false;
  for (const name of identifiersOf(node)) if (names.has(name)) return true;
  return false;
}

type Edit = { readonly start: number; readonly end: number; readonly text: string };

interface FileState {
  readonly sf: ts.SourceFile;
  /** Local names that are zod, or removed declarations (here or in the module they are imported from). */
  readonly tainted: Set<string>;
  /** Exported names removed from this file's declarations. */
  readonly removed: Set<string>;
  /** Statements removed, by position. */
  readonly dropped: Set<ts.Statement>;
  /** Type nodes replaced by their expansion. */
  readonly expanded: Map<ts.TypeNode, string>;
  /** Statements already expanded or dropped. */
  readonly handled: Set<ts.Statement>;
}

function main(dist: string): void {
  const files = declarationFiles(dist);
  const program = ts.createProgram(files, {
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    esModuleInterop: true,
    skipLibCheck: true,
    noEmit: true,
    strict: true,
    types: ["node"],
  });
  const checker = program.getTypeChecker();
  const printer = ts.createPrinter({ removeComments: true });

  const states = new Map<string, FileState>();
  for (const file of files) {
    const sf = program.getSourceFile(file);
    if (!sf) throw new DeclarationRewriteError(file, "not in the program");
    const tainted = new Set<string>();
    for (const s of sf.statements) {
      if (ts.isImportDeclaration(s) && ZOD_MODULE.test((s.moduleSpecifier as ts.StringLiteral).text)) {
        const clause = s.importClause;
        if (clause?.name) tainted.add(clause.name.text);
        const bindings = clause?.namedBindings;
        if (bindings && ts.isNamespaceImport(bindings)) tainted.add(bindings.name.text);
        if (bindings && ts.isNamedImports(bindings))
          for (const e of bindings.elements) tainted.add(e.name.text);
      }
    }
    states.set(file, {
      sf,
      tainted,
      removed: new Set(),
      dropped: new Set(),
      expanded: new Map(),
      handled: new Set(),
    });
  }

  /** The structural text of a type node, or undefined when it cannot be written without zod. */
  const expand = (node: ts.TypeNode, enclosing: ts.Node): string | undefined => {
    const type = checker.getTypeFromTypeNode(node);
    const printed = checker.typeToTypeNode(type, enclosing, PRINT_FLAGS);
    if (!printed) return undefined;
    const text = printer.printNode(ts.EmitHint.Unspecified, printed, enclosing.getSourceFile());
    return ZOD_TEXT.test(text) ? undefined : text;
  };

  const resolveModule = (from: ts.SourceFile, specifier: string): string | undefined =>
    ts.resolveModuleName(specifier, from.fileName, program.getCompilerOptions(), ts.sys).resolvedModule
      ?.resolvedFileName;

  // Removals travel along imports, so iterate until nothing changes.
  for (let changed = true; changed;) {
    changed = false;
    for (const state of states.values()) {
      const { sf, tainted } = state;
      for (const s of sf.statements) {
        // A name imported from a module that removed it is tainted here too.
        if (ts.isImportDeclaration(s) && s.importClause?.namedBindings) {
          const target = resolveModule(sf, (s.moduleSpecifier as ts.StringLiteral).text);
          const removed = target ? states.get(target)?.removed : undefined;
          const bindings = s.importClause.namedBindings;
          if (removed && ts.isNamedImports(bindings)) {
            for (const e of bindings.elements) {
              if (removed.has((e.propertyName ?? e.name).text) && !tainted.has(e.name.text)) {
                tainted.add(e.name.text);
                changed = true;
              }
            }
          }
        }
        if (state.handled.has(s) || !mentions(s, tainted)) continue;
        if (ts.isImportDeclaration(s) || ts.isExportDeclaration(s)) continue;
        state.handled.add(s);
        changed = true;
        if (ts.isTypeAliasDeclaration(s)) {
          const text = expand(s.type, s);
          if (text === undefined)
            throw new DeclarationRewriteError(
              sf.fileName,
              `type ${s.name.text} cannot be written without zod`,
            );
          state.expanded.set(s.type, text);
        } else if (ts.isVariableStatement(s) || ts.isFunctionDeclaration(s)) {
          const typeNodes = ts.isVariableStatement(s)
            ? s.declarationList.declarations.map((d) => d.type)
            : [...s.parameters.map((p) => p.type), s.type];
          const texts = typeNodes.map((t) => (t && mentions(t, tainted) ? expand(t, s) : null));
          if (texts.some((t) => t === undefined)) {
            state.dropped.add(s);
            const names = ts.isVariableStatement(s)
              ? s.declarationList.declarations.map((d) => identifiersOf(d.name))
              : [new Set(s.name ? [s.name.text] : [])];
            for (const set of names) {
              for (const n of set) {
                tainted.add(n);
                state.removed.add(n);
              }
            }
          } else {
            typeNodes.forEach((t, i) => {
              const text = texts[i];
              if (t && typeof text === "string") state.expanded.set(t, text);
            });
          }
        } else if (ts.isInterfaceDeclaration(s)) {
          // A member typed by zod (ComponentConfig's `schema`) becomes `unknown`: the consumer gets the shape
          // of the settings and their defaults, not the validator, which only this repository's code calls.
          for (const m of s.members) {
            if (ts.isPropertySignature(m) && m.type && mentions(m.type, tainted)) {
              const text = expand(m.type, s);
              state.expanded.set(m.type, typeof text === "string" ? text : "unknown");
            }
          }
        } else {
          const name = (s as { name?: ts.Identifier }).name?.text ?? ts.SyntaxKind[s.kind];
          throw new DeclarationRewriteError(sf.fileName, `${name} mentions zod and cannot be rewritten`);
        }
      }
    }
  }

  let rewritten = 0;
  for (const state of states.values()) {
    const { sf } = state;
    const reexports = removedReexports(sf, states, resolveModule);
    if (
      state.dropped.size === 0 &&
      state.expanded.size === 0 &&
      state.tainted.size === 0 &&
      reexports.length === 0
    )
      continue;
    const edits: Edit[] = [...reexports];
    for (const s of state.dropped) edits.push({ start: s.getFullStart(), end: s.getEnd(), text: "" });
    for (const [node, text] of state.expanded)
      edits.push({ start: node.getStart(), end: node.getEnd(), text });
    let text = applyEdits(sf.getFullText(), edits);
    text = dropUnusedImports(text, sf.fileName);
    if (/from\s+["']zod(\/[^"']*)?["']/.test(text))
      throw new DeclarationRewriteError(sf.fileName, "still imports zod after the rewrite");
    writeFileSync(sf.fileName, text);
    rewritten++;
  }
  console.log(`zod-free declarations: ${rewritten} of ${files.length} files rewritten`);
}

/** Re-exports (`export { a, type B } from "./m.js"`) of names removed from their module, as edits removing them. */
function removedReexports(
  sf: ts.SourceFile,
  states: ReadonlyMap<string, FileState>,
  resolveModule: (from: ts.SourceFile, specifier: string) => string | undefined,
): Edit[] {
  const edits: Edit[] = [];
  for (const s of sf.statements) {
    if (!ts.isExportDeclaration(s) || !s.moduleSpecifier || !s.exportClause) continue;
    if (!ts.isNamedExports(s.exportClause)) continue;
    const target = resolveModule(sf, (s.moduleSpecifier as ts.StringLiteral).text);
    const removed = target ? states.get(target)?.removed : undefined;
    if (!removed) continue;
    const all = s.exportClause.elements;
    const kept = all.filter((e) => !removed.has((e.propertyName ?? e.name).text));
    if (kept.length === all.length) continue;
    const typeOnly = s.isTypeOnly ? "type " : "";
    const text =
      kept.length === 0
        ? ""
        : `export ${typeOnly}{ ${kept.map((e) => e.getText(sf)).join(", ")} } from ${s.moduleSpecifier.getText(sf)};`;
    edits.push({ start: s.getStart(sf), end: s.getEnd(), text });
  }
  return edits;
}

function applyEdits(text: string, edits: Edit[]): string {
  let out = text;
  for (const e of [...edits].sort((a, b) => b.start - a.start))
    out = out.slice(0, e.start) + e.text + out.slice(e.end);
  return out;
}

/** Removes import specifiers whose name the rest of the file no longer mentions (and zod's imports). */
function dropUnusedImports(text: string, fileName: string): string {
  const sf = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, true);
  const used = new Set<string>();
  for (const s of sf.statements) if (!ts.isImportDeclaration(s)) identifiersOf(s, used);
  const edits: Edit[] = [];
  for (const s of sf.statements) {
    if (!ts.isImportDeclaration(s) || !s.importClause) continue;
    const bindings = s.importClause.namedBindings;
    const keepDefault = s.importClause.name && used.has(s.importClause.name.text);
    let kept: string | undefined;
    if (bindings && ts.isNamespaceImport(bindings)) {
      kept = used.has(bindings.name.text) ? bindings.getText(sf) : undefined;
    } else if (bindings) {
      const elements = bindings.elements.filter((e) => used.has(e.name.text)).map((e) => e.getText(sf));
      kept = elements.length > 0 ? `{ ${elements.join(", ")} }` : undefined;
    }
    if (keepDefault && kept === bindings?.getText(sf)) continue;
    const parts = [keepDefault ? s.importClause.name?.text : undefined, kept].filter(Boolean);
    const typeOnly = s.importClause.isTypeOnly ? "type " : "";
    const replacement =
      parts.length === 0
        ? ""
        : `import ${typeOnly}${parts.join(", ")} from ${s.moduleSpecifier.getText(sf)};`;
    edits.push({ start: s.getStart(sf), end: s.getEnd(), text: replacement });
  }
  return applyEdits(text, edits);
}

main(resolve(process.argv[2] ?? "dist"));
