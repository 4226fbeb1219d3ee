/**
 * Local evolution rules, checked without a registry between the registry's latest schema (`previous`)
 * and a local one (`next`). They add to the registry's own verdict what Avro resolution allows but
 * this project does not:
 * - BACKWARD: a reader of `next` must read data written with `previous`;
 * - FORWARD: a reader of `previous` (another team's consumer not yet upgraded) must read `next`,
 *   which refuses removing a field that has no default;
 * - enum symbols are append-only: with an enum default, Avro reads a renamed or removed symbol as the
 *   default, so the registry accepts it, yet old data would silently change meaning (BLOCK -> UNSCORED).
 */
import avro from 'avsc';

export function compatibilityProblems(previous: string, next: string): string[] {
  const problems: string[] = [];
  const before = parse(previous);
  const after = parse(next);
  try {
    after.type.createResolver(before.type);
  } catch (error) {
    problems.push(`BACKWARD: the new schema cannot read old data: ${messageOf(error)}`);
  }
  try {
    before.type.createResolver(after.type);
  } catch (error) {
    problems.push(`FORWARD: old readers cannot read new data: ${messageOf(error)}`);
  }
  for (const [name, type] of Object.entries(before.registry)) {
    if (!(type instanceof avro.types.EnumType)) continue;
    const kept = after.registry[name];
    if (!(kept instanceof avro.types.EnumType)) continue;
    const lost = type.symbols.filter((symbol) => !kept.symbols.includes(symbol));
    if (lost.length > 0) {
      problems.push(`ENUM: ${name} lost symbols ${lost.join(', ')}; symbols may only be appended`);
    }
  }
  return problems;
}

function parse(text: string): { type: avro.Type; registry: Record<string, avro.Type> } {
  const registry: Record<string, avro.Type> = {};
  const type = avro.Type.forSchema(JSON.parse(text) as avro.Schema, { registry });
  return { type, registry };
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
